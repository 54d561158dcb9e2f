package botrun

import (
	"context"
	"errors"
	"net"
	"net/http"
	"time"

	"golang.org/x/sync/errgroup"
)

// run runs every long-lived goroutine of the bot in one errgroup, until ctx
// ends or one of them fails (a fatal Slack error): the Slack app, the job
// follower, the sweeper, the drill runner and the health server. Work already accepted
// finishes after ctx ends (on `work`, which is not cancelled); long waits
// (safety backups) give up then, and their requests end "not called".
func (b *bot) run(ctx context.Context, ln net.Listener) error {
	g, gctx := errgroup.WithContext(ctx)
	work := context.WithoutCancel(gctx)
	defer context.AfterFunc(gctx, b.exec.Stop)() // safety-backup waits give up on shutdown

	b.exec.Reap(work) // what a replica that died left executing, before anything new
	g.Go(func() error { return b.app.Run(gctx) })
	g.Go(func() error { b.exec.Follow(gctx, work); return nil })
	g.Go(func() error { b.sweep(gctx, work); return nil })
	if b.drills != nil {
		g.Go(func() error { return b.drills.Run(gctx) })
	}
	if ln != nil {
		srv := newHealthServer(b.app, b.conn, b.m)
		g.Go(func() error {
			if err := srv.Serve(ln); !errors.Is(err, http.ErrServerClosed) {
				return err
			}
			return nil
		})
		g.Go(func() error {
			<-gctx.Done()
			sctx, cancel := context.WithTimeout(work, 5*time.Second)
			defer cancel()
			return srv.Shutdown(sctx)
		})
	}
	err := g.Wait()
	b.exec.Stop()
	b.exec.Wait()         // every safety-backup wait the executor started gives up or ends
	b.app.DrainMessages() // what they told people is sent, within the drain bound
	return err
}

// sweep runs, on the one replica holding the sweeper lease, what must
// happen when time passes rather than when someone clicks: expiry and
// reminders (the Slack app's), interrupted submissions and unknown
// outcomes (the executor's). Every transition is atomic besides, so
// nothing is reported twice.
func (b *bot) sweep(ctx, work context.Context) {
	every := b.cfg.SweepInterval
	t := time.NewTicker(every)
	defer t.Stop()
	leaseTTL := max(3*every, time.Second)
	defer func() { _ = b.store.ReleaseLease(work, "sweeper") }()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
		held, err := b.store.TakeLease(work, "sweeper", leaseTTL)
		if err != nil {
			b.log.Warn().Err(err).Msg("sweeper lease")
			continue
		}
		if !held {
			continue
		}
		b.app.SweepRequests(work)
		b.app.SweepInstances(work) // reminders and expiry of the instances restores created
		b.exec.Reap(work)
		b.exec.Reconcile(work)
		b.exec.Dispatch(work) // queued requests whose instance is free
	}
}
