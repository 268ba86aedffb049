package retrybudget

// Bucket is Brooker's retry token bucket ("Fixing retries with token
// buckets and circuit breakers", 2022): one bucket per client, starting at
// Size; every first try adds Deposit up to Size, and a retry is made only
// while the bucket holds more than Cost, which the retry then takes. It has
// no cap per call of its own (the retry section's max_retries still
// applies).
type Bucket struct {
	Size, Deposit, Cost float64
}

type bucketBudget struct {
	Bucket
	level float64
}

func (k *bucketBudget) allows() bool { return k.level > k.Cost }

// FailureRatio is Brooker's retry circuit breaker (the same post): the
// client's failed attempts since it started over its first tries since it
// started; while that ratio is above Threshold no retry is made. First
// tries always go.
type FailureRatio struct {
	Threshold float64
}

type ratioBudget struct {
	threshold        float64
	failures, firsts float64
}

// allows is failures/firsts <= threshold, written without a division so a
// client with no first try yet (firsts 0) is not refused.
func (f *ratioBudget) allows() bool { return f.failures <= f.threshold*f.firsts }

// BucketLevel returns Brooker's bucket's level (0 when there is none).
func (b *Budget) BucketLevel() float64 {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.bucket == nil {
		return 0
	}
	return b.bucket.level
}

// FailureRatio returns the failed attempts and first tries Brooker's retry
// breaker has counted (0, 0 when there is none).
func (b *Budget) FailureRatio() (failures, firsts float64) {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.ratio == nil {
		return 0, 0
	}
	return b.ratio.failures, b.ratio.firsts
}
