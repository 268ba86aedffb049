package chaostest

import (
	"strconv"

	"github.com/chaos-harness/chaos/analysis"
	"github.com/chaos-harness/chaos/record"
)

// logical is one logical request: its attempts in arrival order.
type logical struct {
	label   string
	records []record.Record
}

// logicalRequests splits records into logical requests the way package
// analysis counts them: by client and X-Chaos-Request; without a request id,
// by client, where an attempt number not above the previous one starts a new
// request; with neither, as analysis's identity inference numbers them
// (analysis.IdentifyRecords). They come in the order of their first arrival.
func logicalRequests(records []record.Record) []*logical {
	var out []*logical
	byRequest := map[[2]string]*logical{}
	current := map[string]*logical{} // a client's current request, by attempt numbers
	for _, rec := range analysis.IdentifyRecords(pooled(records)) {
		var l *logical
		switch {
		case rec.Request != "":
			key := [2]string{rec.Client, rec.Request}
			if l = byRequest[key]; l == nil {
				l = &logical{label: rec.Request + " (client " + rec.Client + ")"}
				byRequest[key] = l
				out = append(out, l)
			}
		default: // an attempt number, and no request id
			l = current[rec.Client]
			if l == nil || !record.Continues(rec.Attempt, l.records[len(l.records)-1].Attempt) {
				l = &logical{label: "client " + rec.Client + " request at " + ms(rec.TMs)}
				current[rec.Client] = l
				out = append(out, l)
			}
		}
		l.records = append(l.records, rec)
	}
	return out
}

// byClient groups records by client key, each in arrival order, the clients
// in the order of their first arrival.
func byClient(records []record.Record) (clients []string, recs map[string][]record.Record) {
	recs = map[string][]record.Record{}
	for _, rec := range byArrival(records) {
		if _, seen := recs[rec.Client]; !seen {
			clients = append(clients, rec.Client)
		}
		recs[rec.Client] = append(recs[rec.Client], rec)
	}
	return clients, recs
}

func ms(v float64) string { return strconv.FormatFloat(v, 'f', 1, 64) + "ms" }
