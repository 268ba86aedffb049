// Package scenarios holds the scenario file format and its validation, the
// embedded built-in library, and the runner with its two engines: live (real HTTP
// on loopback) and sim (discrete events in virtual time).
package scenarios
