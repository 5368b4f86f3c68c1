//go:build tools

// Package exporter pins the redis_exporter version that e2e's
// TestRedisExporterScrapes builds; it is a module of its own so that the
// main module does not depend on the exporter.
package exporter

import _ "github.com/oliver006/redis_exporter"
