package batch

import "github.com/studentperf/studentperf/shared/features"

// levelTable finds a category cell's level by its exact bytes, without
// allocating: its keys are the category's levels and folded levels, each
// mapped to what Categorical.Known says of it, so an exact hit is Known's
// own answer and anything else (a missing cell aside) is left to Lookup.
type levelTable struct {
	slots []levelSlot // open addressing, a power of two long
	mask  uint32
	// missing is Lookup's level for a missing cell.
	missing   int
	missingOK bool
}

type levelSlot struct {
	key string
	lvl int32
	set bool
}

func newLevelTable(c *features.Categorical) levelTable {
	keys := append(append([]string(nil), c.Levels...), c.Folded...)
	n := 8
	for n < 2*len(keys) {
		n *= 2
	}
	t := levelTable{slots: make([]levelSlot, n), mask: uint32(n - 1)}
	t.missing, t.missingOK = c.Lookup("")
	for _, k := range keys {
		lvl, ok := c.Known(k)
		if !ok {
			continue
		}
		i := hashBytes(k) & t.mask
		for t.slots[i].set && t.slots[i].key != k {
			i = (i + 1) & t.mask
		}
		t.slots[i] = levelSlot{key: k, lvl: int32(lvl), set: true}
	}
	return t
}

// find returns the level of a cell equal to a key.
func (t *levelTable) find(b []byte) (int, bool) {
	for i := hashBytes(b) & t.mask; ; i = (i + 1) & t.mask {
		s := &t.slots[i]
		if !s.set {
			return 0, false
		}
		if s.key == string(b) {
			return int(s.lvl), true
		}
	}
}

// hashBytes is FNV-1a.
func hashBytes[T string | []byte](b T) uint32 {
	h := uint32(2166136261)
	for i := 0; i < len(b); i++ {
		h = (h ^ uint32(b[i])) * 16777619
	}
	return h
}
