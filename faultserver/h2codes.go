package faultserver

import (
	"slices"
	"strings"
)

// h2ErrorCodes are HTTP/2's error codes by name (RFC 9113, section 7), as
// goaway and rst_stream take them.
var h2ErrorCodes = map[string]uint32{
	"NO_ERROR":            0x0,
	"PROTOCOL_ERROR":      0x1,
	"INTERNAL_ERROR":      0x2,
	"FLOW_CONTROL_ERROR":  0x3,
	"SETTINGS_TIMEOUT":    0x4,
	"STREAM_CLOSED":       0x5,
	"FRAME_SIZE_ERROR":    0x6,
	"REFUSED_STREAM":      0x7,
	"CANCEL":              0x8,
	"COMPRESSION_ERROR":   0x9,
	"CONNECT_ERROR":       0xa,
	"ENHANCE_YOUR_CALM":   0xb,
	"INADEQUATE_SECURITY": 0xc,
	"HTTP_1_1_REQUIRED":   0xd,
}

// h2CodeNames lists the code names, sorted, for messages.
func h2CodeNames() string {
	names := make([]string, 0, len(h2ErrorCodes))
	for n := range h2ErrorCodes {
		names = append(names, n)
	}
	slices.Sort(names)
	return strings.Join(names, ", ")
}
