package scenarios

import (
	"strconv"
	"strings"
)

// clientNames holds the key of every client number of a fleet (X-Chaos-Client:
// c1, c2, ...) and the id of its first request (c1/1, c2/1, ...), all of them
// slices of one string, "c1/1c2/1c3/1...": naming 100,000 clients costs one
// allocation instead of 200,000, and a client holds no string of its own,
// since where its name begins follows from its number (start).
type clientNames struct {
	text string
}

// newClientNames names client numbers 1 to n.
func newClientNames(n int) clientNames {
	var b strings.Builder
	b.Grow(nameStart(n + 1))
	var num [20]byte
	for i := 1; i <= n; i++ {
		b.WriteByte('c')
		b.Write(strconv.AppendInt(num[:0], int64(i), 10))
		b.WriteString("/1")
	}
	return clientNames{text: b.String()}
}

// key is client number n's key, c<n> (n from 1).
func (c clientNames) key(n int32) string {
	start := nameStart(int(n))
	return c.text[start : start+len("c")+decimalDigits(int(n))]
}

// firstRequest is the id of client number n's first request, c<n>/1.
func (c clientNames) firstRequest(n int32) string {
	start := nameStart(int(n))
	return c.text[start : start+len("c/1")+decimalDigits(int(n))]
}

// request is the id of client number n's logical request number logical:
// a slice of the text for the first, built for the others.
func (c clientNames) request(n, logical int32) string {
	if logical == 1 {
		return c.firstRequest(n)
	}
	return c.key(n) + "/" + strconv.Itoa(int(logical))
}

// nameStart is where client number n's names begin in the text: after
// "c<j>/1" for every j below n, that is 3 bytes each and the digits of
// 1 to n-1, counted by how many numbers have each length.
func nameStart(n int) int {
	start := 3 * (n - 1)
	for low, digits := 1, 1; low < n; low, digits = low*10, digits+1 {
		high := min(n-1, low*10-1) // the last number below n with this many digits
		start += (high - low + 1) * digits
	}
	return start
}

func decimalDigits(n int) int {
	d := 1
	for ; n >= 10; n /= 10 {
		d++
	}
	return d
}
