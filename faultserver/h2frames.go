package faultserver

import (
	"encoding/binary"
	"net"
	"sync"
)

// net/http's HTTP/2 server has no hook to send a GOAWAY on one connection
// or to reset a stream with a code of one's choosing (a handler that panics
// with http.ErrAbortHandler gets INTERNAL_ERROR), nor does
// golang.org/x/net/http2's. So the server's connections go through
// frameConn, which follows the HTTP/2 frames in both directions (the 9-byte
// frame header of RFC 9113, section 4.1, gives each frame's length): it
// knows the highest stream the client has opened, writes a GOAWAY of its own
// between two of the server's frames, and writes a code of its own into the
// next RST_STREAMs. A connection that does not begin with the HTTP/2 client
// preface (HTTP/1.1) is passed through untouched.

// h2Preface is the HTTP/2 client connection preface (RFC 9113, section 3.4).
const h2Preface = "PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n"

// HTTP/2 frame types (RFC 9113, section 6) that frameConn reads or writes.
const (
	frameHeaders   = 0x1
	frameRSTStream = 0x3
	frameGoAway    = 0x7
)

// frameConn is a server connection whose HTTP/2 frames h2Frames follows.
type frameConn struct {
	net.Conn
	frames *h2Frames
	info   *connInfo
}

func newFrameConn(c net.Conn) *frameConn {
	return &frameConn{Conn: c, frames: &h2Frames{conn: c}}
}

func (c *frameConn) Read(b []byte) (int, error) {
	n, err := c.Conn.Read(b)
	c.frames.sawIn(b[:n])
	return n, err
}

func (c *frameConn) Write(b []byte) (int, error) { return c.frames.write(b) }

// frameMode is what a connection turned out to speak.
type frameMode uint8

const (
	modeUnknown frameMode = iota // nothing read yet
	modeH2                       // it began with the preface
	modeOther                    // HTTP/1.x: passed through
)

// h2Frames is the frame state of one connection.
type h2Frames struct {
	mu        sync.Mutex // guards all below, and orders writes to conn
	conn      net.Conn
	mode      frameMode
	prefaceAt int // bytes of the preface read so far
	in, out   frameScan
	maxStream uint32 // the highest stream the client opened (HEADERS)
	// resets are the codes to write into the next RST_STREAMs, in order.
	resets []uint32
	// rewrite is the code being written into the RST_STREAM now passing.
	rewrite    [4]byte
	rewriting  bool
	pending    []byte // frames to write at the next frame boundary
	closeAfter bool   // close the connection once pending is written
	// wrote says the server has written a frame. Its first is its SETTINGS
	// (the server preface, RFC 9113 section 3.4), which Go's server may
	// still hold in its buffer when a handler runs: a frame of ours sent
	// before it makes the client fail the connection with PROTOCOL_ERROR.
	wrote bool
}

// frameScan follows a byte stream frame by frame.
type frameScan struct {
	hdr   [9]byte
	hdrN  int    // header bytes seen of the current frame
	left  int    // payload bytes left of the current frame
	payAt int    // payload bytes seen of the current frame
	typ   byte   // the current frame's type
	sid   uint32 // the current frame's stream
}

// between reports that the scan is at a frame boundary.
func (s *frameScan) between() bool { return s.hdrN == 0 && s.left == 0 }

// header takes one header byte; it reports true when the header is whole.
func (s *frameScan) header(b byte) bool {
	s.hdr[s.hdrN] = b
	s.hdrN++
	if s.hdrN < 9 {
		return false
	}
	s.left = int(s.hdr[0])<<16 | int(s.hdr[1])<<8 | int(s.hdr[2])
	s.typ, s.payAt = s.hdr[3], 0
	s.sid = binary.BigEndian.Uint32(s.hdr[5:9]) &^ (1 << 31)
	return true
}

// sawIn follows bytes the client sent.
func (f *h2Frames) sawIn(b []byte) {
	f.mu.Lock()
	defer f.mu.Unlock()
	for f.mode == modeUnknown && len(b) > 0 {
		if b[0] != h2Preface[f.prefaceAt] {
			f.mode = modeOther
			return
		}
		b = b[1:]
		if f.prefaceAt++; f.prefaceAt == len(h2Preface) {
			f.mode = modeH2
		}
	}
	if f.mode != modeH2 {
		return
	}
	s := &f.in
	for len(b) > 0 {
		if s.hdrN < 9 {
			if s.header(b[0]) {
				if s.typ == frameHeaders && s.sid > f.maxStream {
					f.maxStream = s.sid
				}
				if s.left == 0 {
					s.hdrN = 0
				}
			}
			b = b[1:]
			continue
		}
		k := min(s.left, len(b))
		s.left -= k
		b = b[k:]
		if s.left == 0 {
			s.hdrN = 0
		}
	}
}

// isH2 reports that the connection speaks HTTP/2.
func (f *h2Frames) isH2() bool {
	if f == nil {
		return false
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.mode == modeH2
}

// lastStream is the highest stream the client has opened.
func (f *h2Frames) lastStream() uint32 {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.maxStream
}

// resetNext writes code into the next RST_STREAM the server sends.
func (f *h2Frames) resetNext(code uint32) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.resets = append(f.resets, code)
}

// goAway sends a GOAWAY with code and last (RFC 9113, section 6.8) at the
// next frame boundary, and then closes the connection when closeAfter.
func (f *h2Frames) goAway(code, last uint32, closeAfter bool) {
	frame := make([]byte, 9+8)
	frame[2] = 8 // payload length
	frame[3] = frameGoAway
	binary.BigEndian.PutUint32(frame[9:], last&^(1<<31))
	binary.BigEndian.PutUint32(frame[13:], code)
	f.mu.Lock()
	defer f.mu.Unlock()
	f.pending = append(f.pending, frame...)
	f.closeAfter = f.closeAfter || closeAfter
	if f.out.between() && f.wrote {
		_ = f.flushPending()
	}
	// Else write puts it in after the next whole frame the server writes.
}

// flushPending writes the pending frames, and closes the connection if
// asked; the caller holds mu and is at a frame boundary.
func (f *h2Frames) flushPending() error {
	if len(f.pending) == 0 {
		return nil
	}
	_, err := f.conn.Write(f.pending)
	f.pending = nil
	if f.closeAfter {
		_ = f.conn.Close()
	}
	return err
}

// write writes what the server sends, rewriting the codes of RST_STREAMs
// asked for and putting pending frames in at the first boundary.
func (f *h2Frames) write(b []byte) (int, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.mode != modeH2 || (len(f.resets) == 0 && !f.rewriting && len(f.pending) == 0 && f.out.between() && wholeFrames(b)) {
		// Not HTTP/2, or whole frames with nothing to change: the scan
		// stays between frames.
		f.wrote = f.wrote || len(b) > 0
		return f.conn.Write(b)
	}
	buf := append([]byte(nil), b...) // the caller's bytes are not ours to change
	s := &f.out
	start := 0
	for i := 0; i < len(buf); {
		if s.hdrN < 9 {
			if s.header(buf[i]) && s.typ == frameRSTStream && s.left == 4 && len(f.resets) > 0 {
				binary.BigEndian.PutUint32(f.rewrite[:], f.resets[0])
				f.resets, f.rewriting = f.resets[1:], true
			}
			i++
		} else {
			k := min(s.left, len(buf)-i)
			if f.rewriting {
				for j := range k {
					if at := s.payAt + j; at < 4 {
						buf[i+j] = f.rewrite[at]
					}
				}
			}
			s.payAt += k
			s.left -= k
			i += k
		}
		if s.hdrN == 9 && s.left == 0 { // the frame is whole
			s.hdrN, f.rewriting, f.wrote = 0, false, true
			if len(f.pending) > 0 {
				if _, err := f.conn.Write(buf[start:i]); err != nil {
					return 0, err
				}
				start = i
				if err := f.flushPending(); err != nil {
					return 0, err
				}
			}
		}
	}
	if _, err := f.conn.Write(buf[start:]); err != nil {
		return 0, err
	}
	return len(b), nil
}

// wholeFrames reports that b is a sequence of whole frames, so that
// writing it leaves a scan between frames.
func wholeFrames(b []byte) bool {
	for len(b) >= 9 {
		n := 9 + (int(b[0])<<16 | int(b[1])<<8 | int(b[2]))
		if n > len(b) {
			return false
		}
		b = b[n:]
	}
	return len(b) == 0
}
