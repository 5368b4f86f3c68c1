// Package e2e holds end-to-end tests that put real outside programs in front
// of miniredis: the proxies and client-side sharding that smaller
// deployments scale out with (twemproxy, go-redis Ring), and applications
// built on Redis (the bullmq job queue). Each test skips with a message when
// its program is absent; CI installs them so they always run there.
package e2e
