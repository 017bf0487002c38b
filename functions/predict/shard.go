package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/s3"

	"github.com/studentperf/studentperf/shared/batch"
	"github.com/studentperf/studentperf/shared/predictor"
	"github.com/studentperf/studentperf/shared/runner"
	"github.com/studentperf/studentperf/shared/s3io"
)

// shardCommand is a direct invocation from the bulk-scoring state machine
// (infra/sfn/score.asl.json): plan, score-range or assemble.
type shardCommand struct {
	Command string             `json:"command"`
	Job     *batch.PlanRequest `json:"job,omitempty"`   // plan: the execution's input
	Range   *batch.Range       `json:"range,omitempty"` // score-range: a manifest line
	Run     string             `json:"run,omitempty"`   // assemble: the plan's run
}

// shardCommands are the commands withShardEvents answers.
var shardCommands = map[string]bool{"plan": true, "score-range": true, "assemble": true}

// withShardEvents answers the state machine's direct invocations itself
// and passes every other event to h. A request that cannot be carried out
// (a bad URI, a header the model cannot score, a model that changed since
// the plan) is an EventError, which the state machine does not retry.
func withShardEvents(h runner.EventHandler, pred *predictor.Predictor, s3Endpoint string, log *slog.Logger) runner.EventHandler {
	var (
		once   sync.Once
		client *s3.Client
		cerr   error
	)
	s3client := func(ctx context.Context) (*s3.Client, error) {
		once.Do(func() {
			client, cerr = s3io.NewClient(context.WithoutCancel(ctx), s3io.Options{Endpoint: s3Endpoint})
		})
		return client, cerr
	}
	return func(ctx context.Context, event json.RawMessage) (any, error) {
		var cmd shardCommand
		if !bytes.HasPrefix(bytes.TrimSpace(event), []byte("{")) || json.Unmarshal(event, &cmd) != nil || !shardCommands[cmd.Command] {
			return h(ctx, event)
		}
		kind := cmd.Command + " command"
		strict := json.NewDecoder(bytes.NewReader(event))
		strict.DisallowUnknownFields()
		if err := strict.Decode(&shardCommand{}); err != nil {
			return nil, &runner.EventError{Kind: kind, Err: err}
		}
		c, err := s3client(ctx)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", kind, err)
		}
		start := time.Now()
		ans, err := runShard(ctx, c, pred, cmd)
		if errors.Is(err, batch.ErrShardRequest) || errors.Is(err, batch.ErrBadRow) {
			err = &runner.EventError{Kind: kind, Err: err}
		}
		if err != nil {
			log.Error("shard command failed", "command", cmd.Command, "err", err.Error())
			return nil, err
		}
		log.Info("shard command", "command", cmd.Command, "seconds", time.Since(start).Seconds())
		return ans, nil
	}
}

// runShard carries out one command with the store's current model.
func runShard(ctx context.Context, c *s3.Client, pred *predictor.Predictor, cmd shardCommand) (any, error) {
	switch cmd.Command {
	case "plan":
		// The plan names the model every shard must use: the store's
		// current one now.
		if err := pred.ReloadIfStale(ctx, 0); err != nil && pred.Current() == nil {
			return nil, fmt.Errorf("load model: %w", err)
		}
		if cmd.Job == nil {
			return nil, fmt.Errorf("%w: no job", batch.ErrShardRequest)
		}
		l := pred.Current()
		return batch.PlanJob(ctx, c, l.Model, l.Version, *cmd.Job, time.Now())
	case "score-range":
		if cmd.Range == nil {
			return nil, fmt.Errorf("%w: no range", batch.ErrShardRequest)
		}
		l := pred.Current()
		if l == nil || l.Version != cmd.Range.ModelVersion {
			// A warm instance may hold an older model than the plan's.
			if err := pred.ReloadIfStale(ctx, 0); err != nil && pred.Current() == nil {
				return nil, fmt.Errorf("load model: %w", err)
			}
			l = pred.Current()
		}
		return batch.ScorePart(ctx, c, l.Model, l.Version, *cmd.Range)
	default: // assemble
		return batch.Assemble(ctx, c, cmd.Run, time.Now(), batch.AssembleOptions{})
	}
}
