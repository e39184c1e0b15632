package pgbroker_test

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/golivechat/livechat/transport"
	"github.com/golivechat/livechat/transport/brokertest"
	"github.com/golivechat/livechat/transport/pgbroker"
)

// Nodes on pools of their own share one database, a prefix and a schema;
// the suite cuts a node by terminating its listening connection's backend.
func TestConformance(t *testing.T) {
	db := newTestDB(t)
	brokertest.Run(t, func(t *testing.T) transport.Broker {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		b, err := pgbroker.Open(ctx, dsn(t),
			pgbroker.WithPrefix(db.prefix), pgbroker.WithSchema(db.schema),
			pgbroker.WithReconnectBackoff(50*time.Millisecond, time.Second))
		require.NoError(t, err)
		return b // Run closes it
	}, &brokertest.Options{
		Cut: func(t *testing.T, b transport.Broker) { db.cut(t, b.(*pgbroker.Broker)) },
	})
}
