package suggest_test

import (
	"testing"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/chaos-harness/chaos/internal/suggest"
)

func TestSuggest(t *testing.T) {
	RegisterFailHandler(Fail)
	RunSpecs(t, "Suggest Suite")
}

var _ = Describe("Nearest", func() {
	It("finds one typo away and refuses unrelated names", func() {
		Expect(suggest.Nearest("retyr", []string{"retry", "breaker"})).To(Equal("retry"))
		Expect(suggest.Nearest("zzz", []string{"retry", "breaker"})).To(Equal(""))
		Expect(suggest.Nearest("jiter", []string{"jitter", "base"})).To(Equal("jitter"))
		Expect(suggest.Nearest("max_retires", []string{"max_retries"})).To(Equal("max_retries"), "a transposition is one edit")
		Expect(suggest.Nearest("nope", []string{"mode", "open"})).To(Equal(""), "two edits of four letters is another word")
	})

	It("breaks a tie by the longer common prefix", func() {
		Expect(suggest.Nearest("max_retry", []string{"max_delay", "max_retries"})).To(Equal("max_retries"))
	})
})

// FuzzNearest: a suggestion is one of the candidates, or nothing.
func FuzzNearest(f *testing.F) {
	f.Add("duraton", "duration")
	f.Add("max_retry", "max_retries")
	f.Add("", "a")
	f.Add("ÄÖÜ", "äöü")
	f.Fuzz(func(t *testing.T, name, candidate string) {
		got := suggest.Nearest(name, []string{candidate, "name", "duration"})
		if got != "" && got != candidate && got != "name" && got != "duration" {
			t.Fatalf("Nearest(%q) = %q, not a candidate", name, got)
		}
	})
}
