package faultserver_test

import (
	"bytes"
	"errors"
	"sync"
	"syscall"
	"time"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/chaos-harness/chaos/faultserver"
)

// syncWriter is a file stand-in that counts its Syncs and notes how many
// lines were written when each happened; failSync makes Sync fail.
type syncWriter struct {
	mu          sync.Mutex
	data        bytes.Buffer
	syncedLines []int
	failSync    error
}

func (w *syncWriter) Write(p []byte) (int, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.data.Write(p)
}

func (w *syncWriter) Sync() error {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.syncedLines = append(w.syncedLines, bytes.Count(w.data.Bytes(), []byte{'\n'}))
	return w.failSync
}

// synced is the lines on "storage": those written before the last Sync.
func (w *syncWriter) synced() int {
	w.mu.Lock()
	defer w.mu.Unlock()
	if len(w.syncedLines) == 0 {
		return 0
	}
	return w.syncedLines[len(w.syncedLines)-1]
}

var _ = Describe("the arrival log's sync (Options.LogSync)", func() {
	It("writes and syncs each Record as it is added with LogSyncEachLine", func() {
		w := &syncWriter{}
		log := faultserver.NewSyncedArrivalLog(w, faultserver.LogSyncEachLine)
		defer log.Close()
		for i := 0; i < 5; i++ {
			log.Add(rec(i, 10))
			// Record i is line i+1, on storage before Add returns.
			Expect(w.synced()).To(Equal(i + 1))
		}
		Expect(w.syncedLines).To(Equal([]int{1, 2, 3, 4, 5}))
	})

	It("syncs every interval with a positive LogSync, and on Close", func() {
		w := &syncWriter{}
		log := faultserver.NewSyncedArrivalLog(w, 10*time.Millisecond)
		for i := 0; i < 3; i++ {
			log.Add(rec(i, 10))
		}
		Eventually(w.synced, 10*time.Second, 5*time.Millisecond).Should(Equal(3))
		log.Add(rec(3, 10))
		Expect(log.Close()).To(Succeed())
		Expect(w.synced()).To(Equal(4), "Close writes and syncs the rest")
	})

	It("syncs only on Close without LogSync", func() {
		w := &syncWriter{}
		log := faultserver.NewArrivalLog(100, 0, w, nil)
		log.Add(rec(0, 10))
		Expect(log.Close()).To(Succeed())
		Expect(w.syncedLines).To(Equal([]int{1}))
	})

	It("stops the stream at a failed sync, as at a failed write, and counts later Records as dropped", func() {
		w := &syncWriter{failSync: syscall.EIO}
		log := faultserver.NewSyncedArrivalLog(w, faultserver.LogSyncEachLine)
		log.Add(rec(0, 10))
		log.Add(rec(1, 10))
		err := log.Close()
		Expect(errors.Is(err, syscall.EIO)).To(BeTrue())
		Expect(err).To(MatchError(ContainSubstring("syncing to storage")))
		written, dropped, _ := log.Status()
		Expect([]int64{written, dropped}).To(Equal([]int64{1, 1}), "record 0 was written (not known durable); record 1 dropped")
	})

	It("refuses a negative LogSync other than LogSyncEachLine", func() {
		_, err := faultserver.New(&faultserver.Spec{}, faultserver.Options{LogSync: -5 * time.Millisecond})
		Expect(err).To(MatchError(ContainSubstring("LogSync -5ms")))
	})
})
