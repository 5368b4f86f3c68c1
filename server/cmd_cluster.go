package server

import (
	"errors"
	"fmt"
	"strings"

	"github.com/miniredis/miniredis/cluster"
)

// clusterSub is one CLUSTER subcommand: its arity (counting CLUSTER and
// the subcommand, Redis's rule) and handler.
type clusterSub struct {
	arity int
	fn    func(c *client, st *cluster.State, args [][]byte)
}

// clusterSubs are the CLUSTER subcommands of Redis 7.0 this server has.
// REPLICATE and FAILOVER need replication, which miniredis does not have.
var clusterSubs map[string]clusterSub

func init() {
	clusterSubs = map[string]clusterSub{
		"ADDSLOTS":              {-3, clusterAddSlots},
		"ADDSLOTSRANGE":         {-4, clusterAddSlotsRange},
		"BUMPEPOCH":             {2, func(c *client, st *cluster.State, _ [][]byte) { c.w.Simple(st.BumpEpoch()) }},
		"COUNT-FAILURE-REPORTS": {3, clusterCountFailureReports},
		"COUNTKEYSINSLOT":       {3, clusterCountKeysInSlot},
		"DELSLOTS":              {-3, clusterAddSlots},
		"DELSLOTSRANGE":         {-4, clusterAddSlotsRange},
		"FLUSHSLOTS":            {2, clusterFlushSlots},
		"FORGET":                {3, func(c *client, st *cluster.State, args [][]byte) { c.clusterReply(st.Forget(string(args[2]))) }},
		"GETKEYSINSLOT":         {4, clusterGetKeysInSlot},
		"HELP":                  {2, clusterHelp},
		"INFO":                  {2, func(c *client, st *cluster.State, _ [][]byte) { c.w.Verbatim(string(st.Info())) }},
		"KEYSLOT":               {3, func(c *client, _ *cluster.State, args [][]byte) { c.w.Int(int64(cluster.KeySlot(args[2]))) }},
		"LINKS":                 {2, clusterLinks},
		"MEET":                  {-4, clusterMeet},
		"MYID":                  {2, func(c *client, st *cluster.State, _ [][]byte) { c.w.BulkString(st.MyID()) }},
		"NODES":                 {2, func(c *client, st *cluster.State, _ [][]byte) { c.w.Verbatim(string(st.Nodes())) }},
		"REPLICAS":              {3, clusterReplicas},
		"RESET":                 {-2, clusterReset},
		"SAVECONFIG":            {2, clusterSaveConfig},
		"SET-CONFIG-EPOCH":      {3, clusterSetConfigEpoch},
		"SETSLOT":               {-4, clusterSetSlot},
		"SHARDS":                {2, clusterShards},
		"SLAVES":                {3, clusterReplicas},
		"SLOTS":                 {2, clusterSlots},
	}
}

// cmdCluster dispatches CLUSTER: the subcommand and its arity are checked
// before cluster mode is, as Redis does.
func cmdCluster(c *client, args [][]byte) {
	sub, ok := clusterSubs[strings.ToUpper(string(args[1]))]
	if !ok {
		c.w.Error(fmt.Sprintf(msgUnknownSub, args[1], "CLUSTER"))
		return
	}
	if sub.arity >= 0 && len(args) != sub.arity || sub.arity < 0 && len(args) < -sub.arity {
		subArityError(c, args[0], args[1])
		return
	}
	st := c.srv.cluster
	if st == nil {
		c.w.Error(msgClusterDisabled)
		return
	}
	sub.fn(c, st, args)
}

// clusterReply answers OK or the refusal err.
func (c *client) clusterReply(err error) {
	var ce cluster.Error
	switch {
	case err == nil:
		c.w.OK()
	case errors.As(err, &ce):
		c.w.Error("ERR " + string(ce))
	default:
		c.w.Error("ERR " + err.Error())
	}
}

// slotArg parses a slot number as Redis's getSlotOrReply.
func (c *client) slotArg(b []byte) (int, bool) {
	n, ok := parseInt(b)
	if !ok || n < 0 || n >= cluster.NumSlots {
		c.w.Error("ERR Invalid or out of range slot")
		return 0, false
	}
	return int(n), true
}

func clusterAddSlots(c *client, st *cluster.State, args [][]byte) {
	ranges := make([][2]int, 0, len(args)-2)
	for _, a := range args[2:] {
		j, ok := c.slotArg(a)
		if !ok {
			return
		}
		ranges = append(ranges, [2]int{j, j})
	}
	c.clusterReply(st.ChangeSlots(ranges, equalFold(args[1], "DELSLOTS")))
}

func clusterAddSlotsRange(c *client, st *cluster.State, args [][]byte) {
	if len(args)%2 == 1 {
		subArityError(c, args[0], args[1])
		return
	}
	ranges := make([][2]int, 0, len(args)/2)
	for i := 2; i < len(args); i += 2 {
		lo, ok := c.slotArg(args[i])
		if !ok {
			return
		}
		hi, ok := c.slotArg(args[i+1])
		if !ok {
			return
		}
		if lo > hi {
			c.w.Error(fmt.Sprintf("ERR start slot number %d is greater than end slot number %d", lo, hi))
			return
		}
		ranges = append(ranges, [2]int{lo, hi})
	}
	c.clusterReply(st.ChangeSlots(ranges, equalFold(args[1], "DELSLOTSRANGE")))
}

func clusterCountFailureReports(c *client, st *cluster.State, args [][]byte) {
	n, err := st.CountFailureReports(string(args[2]))
	if err != nil {
		c.clusterReply(err)
		return
	}
	c.w.Int(int64(n))
}

func clusterCountKeysInSlot(c *client, _ *cluster.State, args [][]byte) {
	n, ok := parseInt(args[2])
	if !ok {
		c.w.Error(msgNotInteger)
		return
	}
	if n < 0 || n >= cluster.NumSlots {
		c.w.Error("ERR Invalid slot")
		return
	}
	c.w.Int(int64(len(c.srv.slotKeys.keys(c.srv.store.DB(0), c.now(), int(n)))))
}

func clusterGetKeysInSlot(c *client, _ *cluster.State, args [][]byte) {
	slot, ok := parseInt(args[2])
	if !ok {
		c.w.Error(msgNotInteger)
		return
	}
	limit, ok := parseInt(args[3])
	if !ok {
		c.w.Error(msgNotInteger)
		return
	}
	if slot < 0 || slot >= cluster.NumSlots || limit < 0 {
		c.w.Error("ERR Invalid slot or number of keys")
		return
	}
	keys := c.srv.slotKeys.keys(c.srv.store.DB(0), c.now(), int(slot))
	keys = keys[:min(int64(len(keys)), limit)]
	c.w.ArrayLen(len(keys))
	for _, k := range keys {
		c.w.BulkString(k)
	}
}

func clusterFlushSlots(c *client, st *cluster.State, _ [][]byte) {
	if n, _ := c.srv.store.DB(0).Size(); n != 0 {
		c.w.Error("ERR DB must be empty to perform CLUSTER FLUSHSLOTS.")
		return
	}
	st.FlushSlots()
	c.w.OK()
}

func clusterLinks(c *client, st *cluster.State, _ [][]byte) {
	links := st.Links()
	c.w.ArrayLen(len(links))
	for _, l := range links {
		c.w.MapLen(6)
		c.w.BulkString("direction")
		c.w.BulkString(l.Direction)
		c.w.BulkString("node")
		c.w.BulkString(l.Node)
		c.w.BulkString("create-time")
		c.w.Int(l.Created)
		c.w.BulkString("events")
		c.w.BulkString("r")
		c.w.BulkString("send-buffer-allocated")
		c.w.Int(int64(l.Queued))
		c.w.BulkString("send-buffer-used")
		c.w.Int(int64(l.Queued))
	}
}

func clusterMeet(c *client, st *cluster.State, args [][]byte) {
	if len(args) > 5 {
		c.w.Error(fmt.Sprintf(msgSubSyntax, args[1], "CLUSTER"))
		return
	}
	port, ok := parseInt(args[3])
	if !ok {
		c.w.Error("ERR Invalid TCP base port specified: " + string(args[3]))
		return
	}
	cport := port + 10000
	if len(args) == 5 {
		if cport, ok = parseInt(args[4]); !ok {
			c.w.Error("ERR Invalid TCP bus port specified: " + string(args[4]))
			return
		}
	}
	if err := st.Meet(string(args[2]), port, cport); err != nil {
		c.w.Error(fmt.Sprintf("ERR Invalid node address specified: %s:%s", args[2], args[3]))
		return
	}
	c.w.OK()
}

func clusterReplicas(c *client, st *cluster.State, args [][]byte) {
	lines, err := st.Replicas(string(args[2]))
	if err != nil {
		c.clusterReply(err)
		return
	}
	c.w.ArrayLen(len(lines))
	for _, l := range lines {
		c.w.BulkString(l)
	}
}

func clusterReset(c *client, st *cluster.State, args [][]byte) {
	if len(args) > 3 {
		c.w.Error(fmt.Sprintf(msgSubSyntax, args[1], "CLUSTER"))
		return
	}
	hard := false
	if len(args) == 3 {
		switch {
		case equalFold(args[2], "HARD"):
			hard = true
		case equalFold(args[2], "SOFT"):
		default:
			c.w.Error(msgSyntax)
			return
		}
	}
	if n, _ := c.srv.store.DB(0).Size(); n != 0 && st.IsMaster() {
		c.w.Error("ERR CLUSTER RESET can't be called with master nodes containing keys")
		return
	}
	st.Reset(hard)
	c.w.OK()
}

func clusterSaveConfig(c *client, st *cluster.State, _ [][]byte) {
	if err := st.SaveConfig(); err != nil {
		c.w.Error("ERR error saving the cluster node config: " + err.Error())
		return
	}
	c.w.OK()
}

func clusterSetConfigEpoch(c *client, st *cluster.State, args [][]byte) {
	n, ok := parseInt(args[2])
	if !ok {
		c.w.Error(msgNotInteger)
		return
	}
	c.clusterReply(st.SetConfigEpoch(n))
}

func clusterSetSlot(c *client, st *cluster.State, args [][]byte) {
	slot, ok := c.slotArg(args[2])
	if !ok {
		return
	}
	action := strings.ToLower(string(args[3]))
	switch {
	case (action == "migrating" || action == "importing" || action == "node") && len(args) == 5:
		c.clusterReply(st.SetSlot(slot, action, string(args[4])))
	case action == "stable" && len(args) == 4:
		c.clusterReply(st.SetSlot(slot, action, ""))
	default:
		c.w.Error("ERR Invalid CLUSTER SETSLOT action or number of arguments. Try CLUSTER HELP")
	}
}

func clusterShards(c *client, st *cluster.State, _ [][]byte) {
	shards := st.Shards()
	c.w.ArrayLen(len(shards))
	for _, sh := range shards {
		c.w.MapLen(2)
		c.w.BulkString("slots")
		c.w.ArrayLen(2 * len(sh.Slots))
		for _, r := range sh.Slots {
			c.w.Int(int64(r[0]))
			c.w.Int(int64(r[1]))
		}
		c.w.BulkString("nodes")
		c.w.ArrayLen(len(sh.Nodes))
		for _, n := range sh.Nodes {
			fields := 7
			if n.Hostname != "" {
				fields++
			}
			c.w.MapLen(fields)
			c.w.BulkString("id")
			c.w.BulkString(n.Name)
			c.w.BulkString("port")
			c.w.Int(int64(n.Port))
			c.w.BulkString("ip")
			c.w.BulkString(n.IP)
			c.w.BulkString("endpoint")
			c.w.BulkString(n.IP)
			if n.Hostname != "" {
				c.w.BulkString("hostname")
				c.w.BulkString(n.Hostname)
			}
			c.w.BulkString("role")
			if n.Master {
				c.w.BulkString("master")
			} else {
				c.w.BulkString("replica")
			}
			c.w.BulkString("replication-offset")
			c.w.Int(0)
			c.w.BulkString("health")
			if n.Failed {
				c.w.BulkString("fail")
			} else {
				c.w.BulkString("online")
			}
		}
	}
}

func clusterSlots(c *client, st *cluster.State, _ [][]byte) {
	ranges := st.Slots()
	c.w.ArrayLen(len(ranges))
	for _, r := range ranges {
		c.w.ArrayLen(2 + len(r.Nodes))
		c.w.Int(int64(r.Start))
		c.w.Int(int64(r.End))
		for _, n := range r.Nodes {
			c.w.ArrayLen(4)
			c.w.BulkString(n.IP)
			c.w.Int(int64(n.Port))
			c.w.BulkString(n.Name)
			if n.Hostname != "" {
				c.w.MapLen(1)
				c.w.BulkString("hostname")
				c.w.BulkString(n.Hostname)
			} else {
				c.w.MapLen(0)
			}
		}
	}
}

// cmdAsking lets the next command into a slot this node is importing.
func cmdAsking(c *client, args [][]byte) {
	if c.srv.cluster == nil {
		c.w.Error(msgClusterDisabled)
		return
	}
	c.asking = true
	c.w.OK()
}

// cmdReadOnly and cmdReadWrite set whether a replica may serve reads of
// its master's slots; with no replicas here they only record the choice.
func cmdReadOnly(c *client, args [][]byte) {
	if c.srv.cluster == nil {
		c.w.Error(msgClusterDisabled)
		return
	}
	c.readonly = true
	c.w.OK()
}

func cmdReadWrite(c *client, args [][]byte) {
	if c.srv.cluster == nil {
		c.w.Error(msgClusterDisabled)
		return
	}
	c.readonly = false
	c.w.OK()
}

// clusterHelpLines is Redis 7.0's CLUSTER HELP, less REPLICATE and
// FAILOVER, which this server does not have.
var clusterHelpLines = []string{
	"CLUSTER <subcommand> [<arg> [value] [opt] ...]. Subcommands are:",
	"ADDSLOTS <slot> [<slot> ...]",
	"    Assign slots to current node.",
	"ADDSLOTSRANGE <start slot> <end slot> [<start slot> <end slot> ...]",
	"    Assign slots which are between <start-slot> and <end-slot> to current node.",
	"BUMPEPOCH",
	"    Advance the cluster config epoch.",
	"COUNT-FAILURE-REPORTS <node-id>",
	"    Return number of failure reports for <node-id>.",
	"COUNTKEYSINSLOT <slot>",
	"    Return the number of keys in <slot>.",
	"DELSLOTS <slot> [<slot> ...]",
	"    Delete slots information from current node.",
	"DELSLOTSRANGE <start slot> <end slot> [<start slot> <end slot> ...]",
	"    Delete slots information which are between <start-slot> and <end-slot> from current node.",
	"FORGET <node-id>",
	"    Remove a node from the cluster.",
	"GETKEYSINSLOT <slot> <count>",
	"    Return key names stored by current node in a slot.",
	"FLUSHSLOTS",
	"    Delete current node own slots information.",
	"INFO",
	"    Return information about the cluster.",
	"KEYSLOT <key>",
	"    Return the hash slot for <key>.",
	"MEET <ip> <port> [<bus-port>]",
	"    Connect nodes into a working cluster.",
	"MYID",
	"    Return the node id.",
	"NODES",
	"    Return cluster configuration seen by node. Output format:",
	"    <id> <ip:port> <flags> <master> <pings> <pongs> <epoch> <link> <slot> ...",
	"RESET [HARD|SOFT]",
	"    Reset current node (default: soft).",
	"SET-CONFIG-EPOCH <epoch>",
	"    Set config epoch of current node.",
	"SETSLOT <slot> (IMPORTING <node-id>|MIGRATING <node-id>|STABLE|NODE <node-id>)",
	"    Set slot state.",
	"REPLICAS <node-id>",
	"    Return <node-id> replicas.",
	"SAVECONFIG",
	"    Force saving cluster configuration on disk.",
	"SLOTS",
	"    Return information about slots range mappings. Each range is made of:",
	"    start, end, master and replicas IP addresses, ports and ids",
	"SHARDS",
	"    Return information about slot range mappings and the nodes associated with them.",
	"LINKS",
	"    Return information about all network links between this node and its peers.",
	"    Output format is an array where each array element is a map containing attributes of a link",
	"HELP",
	"    Prints this help.",
}

func clusterHelp(c *client, _ *cluster.State, _ [][]byte) {
	c.w.ArrayLen(len(clusterHelpLines))
	for _, l := range clusterHelpLines {
		c.w.Simple(l)
	}
}
