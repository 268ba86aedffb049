package bench

import (
	"math/rand/v2"
	"strconv"

	"github.com/chaos-harness/chaos/record"
)

// fleetLog generates the arrival log of clients clients that send logical
// requests one after another, round robin, 0.06 ms apart (10 million Records
// span ten minutes). A third of the first three attempts of a request fail:
// a 503 with Retry-After, then a reset, then a plain 503; the fourth
// attempt always succeeds.
type fleetLog struct {
	rng     *rand.Rand
	clients []string
	seq     []int
	attempt []int
	request []string
}

func newFleetLog(clients int) *fleetLog {
	f := &fleetLog{rng: rand.New(rand.NewPCG(1, 2)), clients: make([]string, clients),
		seq: make([]int, clients), attempt: make([]int, clients), request: make([]string, clients)}
	for i := range f.clients {
		f.clients[i] = "c" + strconv.Itoa(i)
	}
	return f
}

// record returns Record i of the log.
func (f *fleetLog) record(i int) record.Record {
	c := i % len(f.clients)
	if f.attempt[c] == 0 {
		f.seq[c]++
		f.request[c] = f.clients[c] + "/" + strconv.Itoa(f.seq[c])
	}
	f.attempt[c]++
	rec := record.Record{TMs: float64(i) * 0.06, Client: f.clients[c], Request: f.request[c],
		Attempt: f.attempt[c], Method: "GET", Path: "/api/orders", Phase: "healthy", Fault: "none",
		Status: 200, LatencyMs: f.rng.Float64() * 20}
	if f.attempt[c] < 4 && f.rng.IntN(3) == 0 {
		rec.Phase = "outage"
		switch f.attempt[c] {
		case 1:
			rec.Fault, rec.Status, rec.RetryAfterMs = "status", 503, 1000
		case 2:
			rec.Fault, rec.Status = "reset", 0
		default:
			rec.Fault, rec.Status = "status", 503
		}
		return rec
	}
	f.attempt[c] = 0
	return rec
}
