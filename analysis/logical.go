package analysis

import (
	"github.com/chaos-harness/chaos/internal/hashmix"
	"github.com/chaos-harness/chaos/record"
)

// reqKey identifies a logical request (client, request) by a 128-bit hash,
// so the index holds 16 bytes per request instead of two strings, and looking
// one up never chases a pointer. With no request id, request is "" and the key
// points at the client's current logical request. Two different requests share
// a key with probability about n²/2¹²⁹: never, in practice.
type reqKey struct {
	lo, hi uint64
}

// keyOf hashes (client, request) with two FNV-1a passes (Fowler, Noll, Vo) from
// different offset bases, each finished by the splitmix64 mixer (Steele et
// al., OOPSLA 2014), separating the two strings by a byte no UTF-8 text has.
func keyOf(client, request string) reqKey {
	lo, hi := hashmix.FNVOffset, uint64(0x6c62272e07bb0142)
	mix := func(b byte) {
		lo = (lo ^ uint64(b)) * hashmix.FNVPrime
		hi = (hi ^ uint64(b)) * hashmix.FNVPrime
		hi ^= hi >> 29
	}
	for i := 0; i < len(client); i++ {
		mix(client[i])
	}
	mix(0xff)
	for i := 0; i < len(request); i++ {
		mix(request[i])
	}
	return reqKey{hashmix.SplitMix64(lo), hashmix.SplitMix64(hi ^ uint64(len(client))<<32 ^ uint64(len(request)))}
}

// logicalState is what is kept per logical request until the end: a few
// numbers, never its Records.
type logicalState struct {
	firstT  float64 // arrival of the earliest attempt
	end     float64 // end of the first successful response, else of the latest one
	prevT   float64 // arrival of the latest attempt
	prevEnd float64 // end of the latest attempt's response
	// prevGot is when the client had the latest attempt's outcome
	// (Record.ReceivedMs); negative when the Record did not say.
	prevGot    float64
	raDeadline float64 // when the latest response's Retry-After elapses; 0 = none
	attempts   int32
	attempt    int32 // the latest attempt's number
	succeeded  bool
	// effects counts the attempts that reached the upstream (saturating),
	// and unkeyed says one of them was a non-idempotent method with no
	// Idempotency-Key (duplicate.go).
	effects uint8
	unkeyed bool
}

// stateStore holds logical request states in fixed-size chunks, so growing it
// never copies what it holds.
type stateStore struct {
	chunks [][]logicalState
	n      int
}

const stateChunk = 1 << 12

// add appends a zero state and returns its index.
func (s *stateStore) add() int32 {
	if s.n%stateChunk == 0 {
		s.chunks = append(s.chunks, make([]logicalState, stateChunk))
	}
	s.n++
	return int32(s.n - 1)
}

func (s *stateStore) at(i int32) *logicalState { return &s.chunks[i/stateChunk][i%stateChunk] }

func (s *stateStore) len() int { return s.n }

// completion is the time from the first arrival to the response that
// decided the logical request.
func (s *logicalState) completion() float64 { return s.end - s.firstT }

// maxTrackedRetry bounds the retry numbers with statistics of their own;
// later retries still count everywhere else.
const maxTrackedRetry = 16

// retryStats are one retry number's delays and arrival spread.
type retryStats struct {
	delays       reservoir[delaySample]
	delay        moments
	sleep        moments // of the delays whose client sleep is known
	afterRA      int
	times        reservoir[[2]float64] // (arrival, arrival − first attempt's arrival)
	time, offset moments
}

// delaySample is one retry's delay: ms as the server saw it (the retry's
// arrival − the previous response's end), sleep as the client took it (its
// send − its receipt of the previous outcome; negative when unknown).
type delaySample struct {
	ms      float64
	sleep   float64
	afterRA bool
}

// attemptOf steps a logical request's state by one attempt, and reports
// whether the attempt is a retry: not the first of its logical request, by
// its X-Chaos-Attempt number (above 1) or by the grouping (an attempt of the
// request came before it).
func (p *policyAcc) attemptOf(s *logicalState, rec *record.Record, ok bool, end float64) (retry bool) {
	retry = rec.Attempt > 1 || s.attempts > 0
	attempt := int32(rec.Attempt)
	if attempt == 0 {
		attempt = s.attempts + 1
	}
	if s.attempts == 0 {
		s.firstT, s.end, s.prevT, s.prevEnd = rec.TMs, end, rec.TMs, end
	} else {
		p.retry(s, rec, attempt)
	}
	s.attempts++
	if !s.succeeded {
		s.end = max(s.end, end)
		if ok {
			s.succeeded, s.end = true, end
		}
	}
	if rec.TMs >= s.prevT {
		s.prevT, s.prevEnd, s.attempt = rec.TMs, end, attempt
		s.prevGot = -1
		if rec.ReceivedMs != nil {
			s.prevGot = *rec.ReceivedMs
		}
		s.raDeadline = 0
		if rec.RetryAfterMs > 0 {
			s.raDeadline = end + rec.RetryAfterMs
		}
	}
	return retry
}

// retry records the timing of a retry: its delay, its Retry-After margin and
// compliance, and its arrival for the spread.
func (p *policyAcc) retry(s *logicalState, rec *record.Record, attempt int32) {
	retry := int(attempt) - 1
	if retry < 1 || attempt <= s.attempt {
		// Numbering restarted or repeated: count by order instead.
		retry = int(s.attempts)
	}
	if rec.TMs < s.prevT {
		// Out of order within the request: no previous response to time from.
		p.unordered++
		s.firstT = min(s.firstT, rec.TMs)
		return
	}
	if s.raDeadline > 0 {
		p.raRetries++
		margin := p.margins.add(rec.TMs-s.raDeadline, p.rng)
		if margin < -p.raSlack {
			p.raViolations++
		}
	}
	if retry > maxTrackedRetry {
		p.untracked++
		return
	}
	for len(p.retries) < retry {
		p.retries = append(p.retries, &retryStats{
			delays: reservoir[delaySample]{size: p.sampleSize},
			times:  reservoir[[2]float64]{size: p.sampleSize},
		})
	}
	rs := p.retries[retry-1]
	offset := rec.TMs - s.firstT
	rs.time.add(rec.TMs)
	rs.offset.add(offset)
	rs.times.add([2]float64{rec.TMs, offset}, p.rng)
	delay := rec.TMs - s.prevEnd
	if delay < 0 {
		// The server was still answering the previous attempt: the client gave
		// up on it (a timeout) before the server finished.
		p.overlapping++
		return
	}
	afterRA := s.raDeadline > 0
	if afterRA {
		rs.afterRA++
	}
	rs.delay.add(delay)
	sleep := clientSleep(s, rec)
	if sleep >= 0 {
		rs.sleep.add(sleep)
	}
	rs.delays.add(delaySample{delay, sleep, afterRA}, p.rng)
}

// clientSleep is how long the client waited before sending rec: its send
// time less when it had the previous attempt's outcome, both from the client
// (Record.SentMs, ReceivedMs), so neither network nor response time is in
// it; -1 when either is unknown (a log of `chaos serve`) or they overlap.
func clientSleep(s *logicalState, rec *record.Record) float64 {
	if rec.SentMs == nil || s.prevGot < 0 || *rec.SentMs < s.prevGot {
		return -1
	}
	return *rec.SentMs - s.prevGot
}
