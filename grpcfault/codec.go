package grpcfault

// RawCodec passes message bytes through unchanged: the server answers any
// method without knowing its messages, and echoes a request by its bytes.
// It is forced on the server (grpc.ForceServerCodec), whatever the
// content-subtype the client names; a client forces it on a call
// (grpc.ForceCodec) to send and receive *[]byte messages.
type RawCodec struct{}

// Marshal takes a *[]byte.
func (RawCodec) Marshal(v any) ([]byte, error) { return *(v.(*[]byte)), nil }

// Unmarshal copies data into a *[]byte: grpc may reuse data's buffer.
func (RawCodec) Unmarshal(data []byte, v any) error {
	*(v.(*[]byte)) = append([]byte(nil), data...)
	return nil
}

// Name is "proto", the content-subtype clients send by default.
func (RawCodec) Name() string { return "proto" }
