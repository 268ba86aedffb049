package faultserver

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"fmt"
	"math/big"
	"net"
	"os"
	"path/filepath"
	"sync"
	"time"
)

// TLSIdentity is a certificate authority made for one server and the server
// certificate it signed: what `chaos serve --tls` and chaostest's TLS servers
// generate, so that a client trusts the server by trusting CAPEM alone.
type TLSIdentity struct {
	// Certificate is the server's certificate and key, for tls.Config.
	Certificate tls.Certificate
	// CAPEM is the CA's certificate in PEM, for a client's trust store
	// (curl --cacert, SSL_CERT_FILE, x509.CertPool.AppendCertsFromPEM).
	CAPEM []byte
	// CAPool trusts the CA, for a Go client's tls.Config.RootCAs.
	CAPool *x509.CertPool
}

// NewTLSIdentity generates an ECDSA P-256 CA and a server certificate for
// hosts (IP addresses go in as IP SANs, names as DNS SANs), valid from an
// hour ago for a week. 127.0.0.1, ::1 and localhost are always included, so
// a loopback server is reached by any of them.
func NewTLSIdentity(hosts ...string) (*TLSIdentity, error) {
	caKey, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return nil, err
	}
	now := time.Now()
	ca := &x509.Certificate{
		SerialNumber:          serial(),
		Subject:               pkix.Name{Organization: []string{"chaos"}, CommonName: "chaos fault server CA"},
		NotBefore:             now.Add(-time.Hour),
		NotAfter:              now.Add(7 * 24 * time.Hour),
		KeyUsage:              x509.KeyUsageCertSign | x509.KeyUsageDigitalSignature,
		BasicConstraintsValid: true,
		IsCA:                  true,
	}
	caDER, err := x509.CreateCertificate(rand.Reader, ca, ca, &caKey.PublicKey, caKey)
	if err != nil {
		return nil, err
	}
	caCert, err := x509.ParseCertificate(caDER)
	if err != nil {
		return nil, err
	}
	leaf, err := signedLeaf(caCert, caKey, hosts, now)
	if err != nil {
		return nil, err
	}
	pool := x509.NewCertPool()
	pool.AddCert(caCert)
	return &TLSIdentity{
		Certificate: leaf,
		CAPEM:       pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: caDER}),
		CAPool:      pool,
	}, nil
}

// signedLeaf is a server certificate for hosts signed by ca.
func signedLeaf(ca *x509.Certificate, caKey *ecdsa.PrivateKey, hosts []string, now time.Time) (tls.Certificate, error) {
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return tls.Certificate{}, err
	}
	tmpl := &x509.Certificate{
		SerialNumber: serial(),
		Subject:      pkix.Name{Organization: []string{"chaos"}, CommonName: "chaos fault server"},
		NotBefore:    now.Add(-time.Hour),
		NotAfter:     now.Add(7 * 24 * time.Hour),
		KeyUsage:     x509.KeyUsageDigitalSignature,
		ExtKeyUsage:  []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
	}
	for _, h := range append([]string{"127.0.0.1", "::1", "localhost"}, hosts...) {
		if ip := net.ParseIP(h); ip != nil {
			tmpl.IPAddresses = append(tmpl.IPAddresses, ip)
		} else if h != "" {
			tmpl.DNSNames = append(tmpl.DNSNames, h)
		}
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, ca, &key.PublicKey, caKey)
	if err != nil {
		return tls.Certificate{}, err
	}
	return tls.Certificate{Certificate: [][]byte{der, ca.Raw}, PrivateKey: key}, nil
}

// serial is a random 128-bit certificate serial number.
func serial() *big.Int {
	n, err := rand.Int(rand.Reader, new(big.Int).Lsh(big.NewInt(1), 128))
	if err != nil {
		return big.NewInt(time.Now().UnixNano())
	}
	return n
}

// WriteCA writes the CA certificate to dir/ca.pem (dir is created) and
// returns its path.
func (id *TLSIdentity) WriteCA(dir string) (string, error) {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return "", fmt.Errorf("tls dir: %w", err)
	}
	path := filepath.Join(dir, "ca.pem")
	if err := os.WriteFile(path, id.CAPEM, 0o644); err != nil {
		return "", fmt.Errorf("tls dir: %w", err)
	}
	return path, nil
}

// ServerConfig is a TLS configuration that serves the identity's
// certificate and offers h2 and http/1.1 by ALPN.
func (id *TLSIdentity) ServerConfig() *tls.Config {
	return &tls.Config{Certificates: []tls.Certificate{id.Certificate}, NextProtos: alpnProtocols, MinVersion: tls.VersionTLS12}
}

// ClientConfig is a TLS configuration for a client that trusts the CA.
func (id *TLSIdentity) ClientConfig() *tls.Config {
	return &tls.Config{RootCAs: id.CAPool, NextProtos: alpnProtocols, MinVersion: tls.VersionTLS12}
}

// alpnProtocols are what the server offers by ALPN, HTTP/2 first.
var alpnProtocols = []string{"h2", "http/1.1"}

// untrustedIdentity is a certificate from a CA made for nothing and
// trusted by no one, for the tls_bad_cert fault.
var untrustedIdentity = sync.OnceValues(func() (*TLSIdentity, error) { return NewTLSIdentity() })
