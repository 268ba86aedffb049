package analysis

// requestIndex maps the key of a logical request to its state's index: an
// open-addressing table with linear probing (Knuth, TAOCP vol. 3, §6.4,
// algorithm L) that takes a key's lo word, already a mixed hash (keyOf), for
// its slot, so a look-up hashes nothing and compares two words in place,
// which a Go map of 16-byte keys does not.
type requestIndex struct {
	slots []indexSlot // a power of two of them, at most 3/4 used
	n     int
}

// indexSlot is one slot: a key and its index + 1; 0 is an empty slot.
type indexSlot struct {
	key  reqKey
	idx1 int32
}

// get returns the index of key's state, if it has one.
func (x *requestIndex) get(key reqKey) (int32, bool) {
	if x.n == 0 {
		return 0, false
	}
	mask := uint64(len(x.slots) - 1)
	for i := key.lo & mask; ; i = (i + 1) & mask {
		s := &x.slots[i]
		if s.idx1 == 0 {
			return 0, false
		}
		if s.key == key {
			return s.idx1 - 1, true
		}
	}
}

// set makes idx the index of key's state, in place of any it had.
func (x *requestIndex) set(key reqKey, idx int32) {
	if 4*(x.n+1) > 3*len(x.slots) {
		x.grow()
	}
	mask := uint64(len(x.slots) - 1)
	for i := key.lo & mask; ; i = (i + 1) & mask {
		s := &x.slots[i]
		if s.idx1 == 0 {
			*s = indexSlot{key: key, idx1: idx + 1}
			x.n++
			return
		}
		if s.key == key {
			s.idx1 = idx + 1
			return
		}
	}
}

// grow doubles the slots (1,024 at first) and puts every key in its new one.
func (x *requestIndex) grow() {
	old := x.slots
	x.slots = make([]indexSlot, max(1024, 2*len(old)))
	mask := uint64(len(x.slots) - 1)
	for _, s := range old {
		if s.idx1 == 0 {
			continue
		}
		i := s.key.lo & mask
		for x.slots[i].idx1 != 0 {
			i = (i + 1) & mask
		}
		x.slots[i] = s
	}
}
