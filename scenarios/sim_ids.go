package scenarios

import (
	"strconv"
	"strings"
)

// nameClients gives each client its key (X-Chaos-Client: c1, c2, ...) and
// the id of its first request (c1/1, c2/1, ...). All of them are slices of one
// string, "c1/1c2/1c3/1...", so naming 100,000 clients costs one allocation
// instead of 200,000.
func nameClients(clients []simClient) {
	size := 0
	for i := range clients {
		size += len("c/1") + decimalDigits(i+1)
	}
	var b strings.Builder
	b.Grow(size)
	var num [20]byte
	for i := range clients {
		b.WriteByte('c')
		b.Write(strconv.AppendInt(num[:0], int64(i+1), 10))
		b.WriteString("/1")
	}
	text, start := b.String(), 0
	for i := range clients {
		end := start + len("c/1") + decimalDigits(i+1)
		clients[i].key, clients[i].firstRequest = text[start:end-len("/1")], text[start:end]
		start = end
	}
}

func decimalDigits(n int) int {
	d := 1
	for ; n >= 10; n /= 10 {
		d++
	}
	return d
}
