package problem_test

import (
	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/chaos-harness/chaos/problem"
)

var _ = Describe("Field", func() {
	It("names its path, or only says what is wrong when the whole value is", func() {
		Expect(problem.Field{Path: "retry.base", Msg: "must be positive"}.Error()).To(Equal("retry.base: must be positive"))
		Expect(problem.Field{Msg: "the script is empty"}.Error()).To(Equal("the script is empty"))
	})

	It("collects problems in the order found, formatting each message", func() {
		var l problem.List
		l.Add("phases[1].fault.status", "%d is not a final HTTP status", 999)
		l.Add("", "no phases")
		Expect(l).To(Equal(problem.List{
			{Path: "phases[1].fault.status", Msg: "999 is not a final HTTP status"},
			{Path: "", Msg: "no phases"},
		}))
	})
})
