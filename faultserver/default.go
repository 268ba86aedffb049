package faultserver

// DefaultScript is what `chaos serve` answers without --scenario: a flaky API.
// Each request independently (seeded per client key) gets 200 OK after a short
// lognormal delay 80% of the time, 503 10%, 429 with Retry-After: 1 5%, and a
// connection reset 5%.
const DefaultScript = `# chaos serve's default script: a flaky API
response:
  delay: {dist: lognormal, median: 5ms, p99: 50ms}
phases:
  - name: flaky
    mix:
      - {weight: 80}
      - {weight: 10, fault: {status: 503}}
      - {weight: 5, fault: {status: 429, retry_after: 1s}}
      - {weight: 5, fault: {reset: true}}
`

// DefaultSpec parses DefaultScript.
func DefaultSpec() *Spec {
	spec, _, err := ParseScript("default script", []byte(DefaultScript))
	if err != nil { // a constant of this package, covered by its tests
		panic("faultserver: DefaultScript does not parse: " + err.Error())
	}
	return spec
}
