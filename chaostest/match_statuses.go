package chaostest

import (
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"

	"github.com/chaos-harness/chaos/record"
	"github.com/onsi/gomega/types"
)

// NotRetry holds when no logical request was tried again after a response
// with one of statuses, as in
//
//	Expect(srv).To(NotRetry(400, 404, 501))
//
// It is an error when the server sent none of them: nothing to judge.
func NotRetry(statuses ...int) types.GomegaMatcher {
	list := statusList(statuses)
	return &recordsMatcher{
		want:          "not to retry after " + list,
		needsIdentity: true,
		judge: func(records []record.Record) (verdict, error) {
			if len(statuses) == 0 {
				return verdict{}, errors.New("chaostest: NotRetry needs at least one status")
			}
			answered, retried := 0, []group{}
			for _, l := range logicalRequests(records) {
				for i, r := range l.records {
					if !slices.Contains(statuses, r.Status) {
						continue
					}
					answered++
					if i < len(l.records)-1 {
						why := fmt.Sprintf("tried again after %d", r.Status)
						retried = append(retried, group{label: l.label, why: why, records: l.records})
						break
					}
				}
			}
			if answered == 0 {
				return verdict{}, fmt.Errorf("chaostest: the server answered no request with %s, so there is nothing to judge", list)
			}
			v := verdict{
				ok:       len(retried) == 0,
				measured: fmt.Sprintf("%d logical requests tried again after %s (of %d such responses)", len(retried), list, answered),
			}
			if !v.ok {
				v.culprits = describeGroups("logical requests that retried", retried)
			}
			return v, nil
		},
	}
}

func statusList(statuses []int) string {
	s := make([]string, len(statuses))
	for i, st := range statuses {
		s[i] = strconv.Itoa(st)
	}
	return strings.Join(s, ", ")
}
