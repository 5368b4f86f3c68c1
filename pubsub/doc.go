// Package pubsub is the subscription registry of Redis Pub/Sub: which
// subscribers listen on which channels, patterns and shard channels, and
// who receives a published message. It knows nothing of connections or
// RESP: a publisher hands Publish a function that delivers to one
// subscriber, and the caller decides what delivering means (appending the
// encoded message to that client's output). Nothing here starts a
// goroutine or blocks on a subscriber.
//
// A Hub is safe for concurrent use. Publish holds the hub's read lock while
// it calls deliver, so publishers run in parallel with each other and
// deliver must neither block nor call back into the hub. Subscribers of
// one channel receive one publisher's messages in the order it published
// them.
package pubsub
