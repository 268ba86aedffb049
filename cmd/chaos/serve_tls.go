package main

import (
	"crypto/tls"
	"fmt"
	"net"
	"os"

	"github.com/spf13/pflag"

	"github.com/chaos-harness/chaos/faultserver"
)

// serveTLSFlags are the TLS and HTTP/2 flags of `chaos serve` (issue 15).
type serveTLSFlags struct {
	tls        bool
	tlsDir     string
	cert, key  string
	h2c        bool
	maxStreams uint32
}

func (f *serveTLSFlags) register(fl *pflag.FlagSet) {
	fl.BoolVar(&f.tls, "tls", false, "serve HTTPS, offering h2 and http/1.1 by ALPN, with a certificate for the --addr host (and 127.0.0.1, ::1, localhost) signed by a CA generated for this run: its PEM is written to --tls-dir and its path printed on the second line ('ca certificate: PATH'); trust it with curl --cacert PATH")
	fl.StringVar(&f.tlsDir, "tls-dir", "", "where --tls writes the CA certificate, ca.pem (default: a new temporary directory)")
	fl.StringVar(&f.cert, "cert", "", "serve HTTPS with this PEM certificate (chain) instead of a generated one; needs --key")
	fl.StringVar(&f.key, "key", "", "the PEM private key of --cert")
	fl.BoolVar(&f.h2c, "h2c", false, "serve cleartext HTTP/2 with prior knowledge (curl --http2-prior-knowledge) beside HTTP/1.1")
	fl.Uint32Var(&f.maxStreams, "h2-max-streams", 0, "the SETTINGS_MAX_CONCURRENT_STREAMS each HTTP/2 connection announces (default: net/http's, 250)")
}

// fromScript adds what the script's server keys ask for (tls, protocol,
// max_concurrent_streams) to the flags: a script with tls: true or
// protocol: h2 is served as --tls is, unless --cert gives a certificate.
func (f *serveTLSFlags) fromScript(spec *faultserver.Spec) {
	if spec.ServesTLS() && f.cert == "" && f.key == "" {
		f.tls = true
	}
	f.h2c = f.h2c || spec.Protocol == faultserver.ProtocolH2C
	if f.maxStreams == 0 {
		f.maxStreams = spec.MaxConcurrentStreams
	}
}

// apply sets the TLS options from the flags. It returns the path of the
// generated CA certificate ("" without one).
func (f *serveTLSFlags) apply(addr string, opts *faultserver.Options) (caPath string, err error) {
	opts.MaxConcurrentStreams = f.maxStreams
	given := f.cert != "" || f.key != ""
	switch {
	case f.h2c && (f.tls || given):
		return "", fmt.Errorf("--h2c is cleartext HTTP/2: give it without --tls, --cert and --key (over TLS, HTTP/2 is offered by ALPN)")
	case f.tlsDir != "" && !f.tls:
		return "", fmt.Errorf("--tls-dir is where --tls writes its CA certificate: give --tls with it")
	case f.tls && given:
		return "", fmt.Errorf("--tls generates a certificate and --cert/--key give one: give one or the other")
	case given && (f.cert == "" || f.key == ""):
		return "", fmt.Errorf("--cert and --key go together: give both")
	}
	opts.H2C = f.h2c
	if given {
		pair, err := tls.LoadX509KeyPair(f.cert, f.key)
		if err != nil {
			return "", fmt.Errorf("--cert %s --key %s: %w", f.cert, f.key, err)
		}
		opts.TLS = &tls.Config{Certificates: []tls.Certificate{pair}}
		return "", nil
	}
	if !f.tls {
		return "", nil
	}
	id, err := faultserver.NewTLSIdentity(certHosts(addr)...)
	if err != nil {
		return "", fmt.Errorf("--tls: generating the certificate: %w", err)
	}
	dir := f.tlsDir
	if dir == "" {
		if dir, err = os.MkdirTemp("", "chaos-tls-"); err != nil {
			return "", fmt.Errorf("--tls: %w", err)
		}
	}
	if caPath, err = id.WriteCA(dir); err != nil {
		return "", fmt.Errorf("--tls-dir %s: %w", dir, err)
	}
	opts.TLS = id.ServerConfig()
	return caPath, nil
}

// certHosts are the names the generated certificate is for beside
// loopback: the --addr host, or this machine's name when it listens on
// every address.
func certHosts(addr string) []string {
	host, _, err := net.SplitHostPort(addr)
	if err != nil {
		return nil
	}
	if ip := net.ParseIP(host); host == "" || (ip != nil && ip.IsUnspecified()) {
		if name, err := os.Hostname(); err == nil {
			return []string{name}
		}
		return nil
	}
	return []string{host}
}
