package main

import (
	"fmt"
	"math"
	"regexp"
	"strings"
)

// flagValueRE reads pflag's error for a value it cannot parse:
// invalid argument "-1" for "--seed" flag: strconv.ParseUint: parsing "-1": invalid syntax
var flagValueRE = regexp.MustCompile(`^invalid argument "(.*)" for "(?:-\w, )?(--[\w-]+)" flag: (.*)$`)

// plainFlagError says a flag value's error in the words of the flag
// (`--seed "-1": want a whole number from 0 to ...`) rather than in those of
// the Go parser behind it; other errors pass unchanged.
func plainFlagError(err error) error {
	sub := flagValueRE.FindStringSubmatch(err.Error())
	if sub == nil {
		return err
	}
	value, flag, cause := sub[1], sub[2], sub[3]
	want := ""
	switch {
	case strings.HasPrefix(cause, "strconv.ParseUint"):
		want = fmt.Sprintf("a whole number from 0 to %d", uint64(math.MaxUint64))
	case strings.HasPrefix(cause, "strconv.ParseInt"):
		want = "a whole number"
	case strings.HasPrefix(cause, "strconv.ParseFloat"):
		want = "a number"
	case strings.HasPrefix(cause, "strconv.ParseBool"):
		want = "true or false"
	case strings.HasPrefix(cause, "time: "):
		want = "a duration such as 30s, 5m or 1h30m"
	default:
		return err
	}
	return fmt.Errorf("%s %q: want %s", flag, value, want)
}
