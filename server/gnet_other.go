//go:build !unix

package server

import (
	"errors"
	"net"

	"github.com/panjf2000/gnet/v2"
)

// boundAddr cannot ask for the listener's address here: the event loops
// need a fixed port on this system.
func boundAddr(gnet.Engine) (net.Addr, error) {
	return nil, errors.New("the event loops need a fixed port on this system (or use --net std)")
}
