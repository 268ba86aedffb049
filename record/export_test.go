package record

// SetChunkSize sets the bytes of a ReadChunks chunk, for the specs, and
// returns what restores it. Set it before ReadChunks, restore it after stop.
func SetChunkSize(n int) (restore func()) {
	old := chunkSize
	chunkSize = n
	return func() { chunkSize = old }
}
