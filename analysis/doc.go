// Package analysis turns Records into statistics with gonum: success rates with
// intervals, arrival spread, retry timing, completion times, Retry-After compliance
// and tests of the difference between two strategies.
package analysis
