package reports

import (
	"encoding/xml"
	"fmt"
	"io"
	"strconv"
	"time"
)

// JUnit XML in the shape GitHub Actions test reporters, GitLab
// (artifacts:reports:junit) and Jenkins (the junit step) all display:
// <testsuites> of <testsuite> of <testcase>, a failed case carrying a
// <failure message="..." type="...">details</failure>, times in seconds.

// JUnitSuite is one <testsuite>: a scenario.
type JUnitSuite struct {
	Name       string
	Time       time.Duration
	Timestamp  time.Time // zero: left out
	Properties []JUnitProperty
	Cases      []JUnitCase
}

// JUnitProperty is a <property> of a suite, such as the seed.
type JUnitProperty struct {
	Name, Value string
}

// JUnitCase is one <testcase>: a policy's assertion. With neither Failure,
// Error nor Skipped it passed.
type JUnitCase struct {
	Name string
	// ClassName groups cases: Jenkins reads "a.b" as package a, class b.
	ClassName string
	Time      time.Duration
	// Failure: the assertion was checked and did not hold.
	Failure *JUnitFailure
	// Error: the assertion could not be checked.
	Error *JUnitFailure
	// Skipped gives the reason a case was not run; "" when it ran.
	Skipped string
	// Output is shown as the case's standard output.
	Output string
}

// JUnitFailure is a <failure> or <error>: Message is the one line CI tools
// show in their lists, Text the details.
type JUnitFailure struct {
	Message, Type, Text string
}

// WriteJUnit writes the suites as one JUnit XML document.
func WriteJUnit(w io.Writer, suites []JUnitSuite) error {
	doc := xmlSuites{Name: "chaos"}
	var total time.Duration
	for _, s := range suites {
		xs := xmlSuite{Name: s.Name, Time: seconds(s.Time), Tests: len(s.Cases)}
		if !s.Timestamp.IsZero() {
			xs.Timestamp = s.Timestamp.UTC().Format("2006-01-02T15:04:05")
		}
		if len(s.Properties) > 0 {
			xs.Properties = &xmlProperties{}
			for _, p := range s.Properties {
				xs.Properties.Property = append(xs.Properties.Property, xmlProperty(p))
			}
		}
		for _, c := range s.Cases {
			xc := xmlCase{Name: c.Name, ClassName: c.ClassName, Time: seconds(c.Time), SystemOut: c.Output}
			switch {
			case c.Error != nil:
				xs.Errors++
				xc.Error = &xmlFailure{Message: c.Error.Message, Type: c.Error.Type, Text: c.Error.Text}
			case c.Failure != nil:
				xs.Failures++
				xc.Failure = &xmlFailure{Message: c.Failure.Message, Type: c.Failure.Type, Text: c.Failure.Text}
			case c.Skipped != "":
				xs.Skipped++
				xc.Skipped = &xmlSkipped{Message: c.Skipped}
			}
			xs.Cases = append(xs.Cases, xc)
		}
		doc.Tests += xs.Tests
		doc.Failures += xs.Failures
		doc.Errors += xs.Errors
		doc.Skipped += xs.Skipped
		total += s.Time
		doc.Suites = append(doc.Suites, xs)
	}
	doc.Time = seconds(total)
	if _, err := io.WriteString(w, xml.Header); err != nil {
		return err
	}
	enc := xml.NewEncoder(w)
	enc.Indent("", "  ")
	if err := enc.Encode(doc); err != nil {
		return err
	}
	_, err := io.WriteString(w, "\n")
	return err
}

func seconds(d time.Duration) string { return strconv.FormatFloat(d.Seconds(), 'f', 3, 64) }

type xmlSuites struct {
	XMLName  xml.Name   `xml:"testsuites"`
	Name     string     `xml:"name,attr"`
	Tests    int        `xml:"tests,attr"`
	Failures int        `xml:"failures,attr"`
	Errors   int        `xml:"errors,attr"`
	Skipped  int        `xml:"skipped,attr"`
	Time     string     `xml:"time,attr"`
	Suites   []xmlSuite `xml:"testsuite"`
}

type xmlSuite struct {
	Name       string         `xml:"name,attr"`
	Tests      int            `xml:"tests,attr"`
	Failures   int            `xml:"failures,attr"`
	Errors     int            `xml:"errors,attr"`
	Skipped    int            `xml:"skipped,attr"`
	Time       string         `xml:"time,attr"`
	Timestamp  string         `xml:"timestamp,attr,omitempty"`
	Properties *xmlProperties `xml:"properties"`
	Cases      []xmlCase      `xml:"testcase"`
}

type xmlProperties struct {
	Property []xmlProperty `xml:"property"`
}

type xmlProperty struct {
	Name  string `xml:"name,attr"`
	Value string `xml:"value,attr"`
}

type xmlCase struct {
	Name      string      `xml:"name,attr"`
	ClassName string      `xml:"classname,attr"`
	Time      string      `xml:"time,attr"`
	Failure   *xmlFailure `xml:"failure"`
	Error     *xmlFailure `xml:"error"`
	Skipped   *xmlSkipped `xml:"skipped"`
	SystemOut string      `xml:"system-out,omitempty"`
}

type xmlFailure struct {
	Message string `xml:"message,attr"`
	Type    string `xml:"type,attr,omitempty"`
	Text    string `xml:",chardata"`
}

type xmlSkipped struct {
	Message string `xml:"message,attr,omitempty"`
}

// Assertion is one assertion of a scenario checked against one policy's
// result, as `chaos check` evaluates them.
type Assertion struct {
	Scenario  string
	Policy    string
	Metric    string // a result.json field, e.g. "success_rate"
	Condition string // e.g. ">= 0.99"
	Measured  float64
	Passed    bool
	// Inconclusive says why the result could not tell the metric ("" when it
	// could); such an assertion fails with the message "inconclusive: ...".
	Inconclusive string
	// Err is set when the assertion could not be evaluated.
	Err error
	// Time is how long the scenario's run took, shared by its cases.
	Time time.Duration
}

// AssertionSuites turns assertions into JUnit suites: one suite per
// scenario (in order of first appearance), one case per policy and
// assertion, named "policy: metric condition" with class "scenario.policy";
// a failure's message carries the measured value, an inconclusive one's
// "inconclusive: " and the reason.
func AssertionSuites(as []Assertion) []JUnitSuite {
	var suites []JUnitSuite
	index := map[string]int{}
	for _, a := range as {
		i, ok := index[a.Scenario]
		if !ok {
			i = len(suites)
			index[a.Scenario] = i
			suites = append(suites, JUnitSuite{Name: a.Scenario, Time: a.Time})
		}
		c := JUnitCase{
			Name:      fmt.Sprintf("%s: %s %s", a.Policy, a.Metric, a.Condition),
			ClassName: a.Scenario + "." + a.Policy,
		}
		measured := strconv.FormatFloat(a.Measured, 'g', 6, 64)
		switch {
		case a.Err != nil:
			c.Error = &JUnitFailure{Message: a.Err.Error(), Type: "error",
				Text: fmt.Sprintf("scenario %s, policy %s: %s %s could not be checked: %v", a.Scenario, a.Policy, a.Metric, a.Condition, a.Err)}
		case a.Inconclusive != "":
			c.Failure = &JUnitFailure{Message: "inconclusive: " + a.Inconclusive, Type: "inconclusive",
				Text: fmt.Sprintf("scenario %s, policy %s: %s %s is inconclusive: %s", a.Scenario, a.Policy, a.Metric, a.Condition, a.Inconclusive)}
		case !a.Passed:
			c.Failure = &JUnitFailure{Message: fmt.Sprintf("%s = %s, want %s", a.Metric, measured, a.Condition), Type: "assertion",
				Text: fmt.Sprintf("scenario %s, policy %s: measured %s = %s; the assertion is %s %s", a.Scenario, a.Policy, a.Metric, measured, a.Metric, a.Condition)}
		default:
			c.Output = fmt.Sprintf("%s = %s", a.Metric, measured)
		}
		suites[i].Cases = append(suites[i].Cases, c)
	}
	return suites
}
