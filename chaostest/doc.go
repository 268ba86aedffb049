// Package chaostest is what a user's own Go test suite imports: a fault server
// started in one line that closes itself when the test ends, its Records, and
// Gomega matchers over them.
package chaostest
