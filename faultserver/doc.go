// Package faultserver holds the fault model and its script compiler, the
// gorilla/mux server that performs faults on real connections, the arrival log of
// Records, the admin API and the Prometheus metrics.
package faultserver
