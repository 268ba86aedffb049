// Package bench measures chaos against its peers: failsafe-go,
// cenkalti/backoff with sony/gobreaker, hashicorp/go-retryablehttp and
// mccutchen/go-httpbin. It is its own module so the peers never become
// dependencies of the main module. See README.md.
package bench
