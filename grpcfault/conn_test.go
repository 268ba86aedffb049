package grpcfault

import (
	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
)

// frame is an HTTP/2 frame (RFC 9113 §4.1): a 24-bit length, the type,
// flags, a stream id, then the payload.
func frame(typ byte, payload int) []byte {
	b := []byte{byte(payload >> 16), byte(payload >> 8), byte(payload), typ, 0, 0, 0, 0, 0}
	return append(b, make([]byte, payload)...)
}

var _ = Describe("frameWatch", func() {
	It("finds a GOAWAY among the frames however the writes split them", func() {
		const settings, data, goaway = 0x4, 0x0, 0x7
		stream := append(append(frame(settings, 18), frame(data, 70000)...), frame(goaway, 8)...)
		goawayAt := len(stream) - 17 // its header's first byte
		for _, cut := range []int{1, 5, 9, 100, 4096} {
			var w frameWatch
			seen := -1
			for at := 0; at < len(stream); at += cut {
				if w.scan(stream[at:min(at+cut, len(stream))]) && seen < 0 {
					seen = at
				}
			}
			// seen in the write that held its header's last byte
			Expect(seen).To(Equal((goawayAt+8)/cut*cut), "writes of %d bytes", cut)
		}
	})

	It("does not take a payload byte of 7 for a GOAWAY", func() {
		var w frameWatch
		b := frame(0x0, 20)
		for i := 9; i < len(b); i++ {
			b[i] = 0x7
		}
		Expect(w.scan(b)).To(BeFalse())
	})
})
