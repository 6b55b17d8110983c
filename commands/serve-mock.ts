import {Flags} from '@oclif/core';
import {badInput} from '../src/errors.js';
import {simSetup} from '../src/engines/sim/setup.js';
import {simEngineFlags, simSetupOptionsFromFlags} from '../src/ui/sim-flags.js';
import {startServeMock} from '../src/engines/sim/server.js';
import {PlannerCommand} from '../src/ui/command.js';
import {FRACTION, LATENCY_MS, REQUEST_RATE} from '../src/limits.js';
import {integerFlag, numberFlag} from '../src/ui/number-flags.js';

export default class ServeMock extends PlannerCommand {
  static override summary = 'Serve a simulated engine over an OpenAI-compatible HTTP API.';
  static override description = `Starts an HTTP server (POST /v1/completions and /v1/chat/completions, streaming or not; GET /v1/models, /health, /metrics) whose tokens come out at the times a simulated continuous-batching engine produces them, with iteration times from a profile (--profile DIR) or from the synthetic op-level model (--synthetic --model --gpu --tp). Use it to test clients and measurement code against known ground truth.

Mock tokenizer: one token per whitespace-separated word of the prompt (or one per token id when the completions prompt is an array of integers); chat prompts count the words of every message's text, no template tokens. Every request generates exactly max_tokens tokens (default 16) and ends with finish_reason "length".

The server prints its URL on stdout (with --json: {"url", "port", ...}) and runs until interrupted.`;

  static override examples = [
    '<%= config.bin %> serve-mock --profile profiles/h200-llama3.1-8b-fp8-tp1 --port 8000',
    '<%= config.bin %> serve-mock --profile profiles/h200-llama3.1-8b-fp8-tp1 --port 0 --truth truth.jsonl --tokens-per-chunk 4',
    '<%= config.bin %> serve-mock --synthetic --model llama-3.1-8b --gpu h200_sxm --tp 1 --quant fp8 --port 8001',
    '<%= config.bin %> serve-mock --profile profiles/h200-llama3.1-8b-fp8-tp1 --error-rate 0.05 --rate-limit 20 --stall-ms 500 --stall-rate 0.1 --drop-rate 0.02',
  ];

  static override flags = {
    ...simEngineFlags,
    port: integerFlag({description: 'TCP port to listen on (0 picks a free port).', default: 8000, min: 0, max: 65_535}),
    host: Flags.string({description: 'Address to listen on.', default: '127.0.0.1'}),
    'served-model-name': Flags.string({description: 'Model name the server answers to (default: the profile\'s model, or --model).'}),
    'max-model-len': integerFlag({description: 'Longest prompt + max_tokens accepted, tokens (default: the KV capacity).', min: 2}),
    'default-max-tokens': integerFlag({description: 'max_tokens of requests that give none.', default: 16, min: 1}),
    'tokens-per-chunk': integerFlag({description: 'Tokens per SSE chunk after the first token.', default: 1, min: 1}),
    'chat-role-delta': Flags.boolean({description: 'Open chat streams with a role-only delta before the first token, as vLLM does.', default: false}),
    truth: Flags.string({description: 'Append the server\'s own timing of every request to this JSONL file.'}),
    'error-rate': numberFlag({description: 'Fraction of requests answered with HTTP 500.', ...FRACTION}),
    'rate-limit': numberFlag({description: 'Requests per second accepted; excess requests get 429 with Retry-After.', ...REQUEST_RATE}),
    'stall-ms': numberFlag({description: 'Length of a mid-stream stall, ms (with --stall-rate).', ...LATENCY_MS, exclusiveMin: false}),
    'stall-rate': numberFlag({description: 'Fraction of streams that stall half way through.', ...FRACTION}),
    'drop-rate': numberFlag({description: 'Fraction of streams whose connection is closed half way through.', ...FRACTION}),
    'burst-rate': numberFlag({description: 'Fraction of streams whose middle half of tokens arrives in one write (as through a buffering proxy).', ...FRACTION}),
    'startup-delay': numberFlag({description: 'Seconds after start during which requests get 503 (like an engine loading weights).', default: 0, min: 0, max: 86_400, maxReason: 'longer than a day'}),
    seed: integerFlag({description: 'Seed of the fault injection.', default: 1}),
  };

  async run(): Promise<void> {
    const {flags} = await this.parse(ServeMock);
    const faults = {
      errorRate: flags['error-rate'],
      rateLimit: flags['rate-limit'],
      stallMs: flags['stall-ms'],
      stallRate: flags['stall-rate'],
      dropRate: flags['drop-rate'],
      burstRate: flags['burst-rate'],
      startupDelayMs: flags['startup-delay'] * 1000,
    };
    if ((faults.stallRate ?? 0) > 0 && !faults.stallMs) throw badInput('--stall-rate needs --stall-ms (the length of a stall)');
    const setup = await simSetup(simSetupOptionsFromFlags(flags));
    let mock;
    try {
      mock = await startServeMock({
        perfModel: setup.perfModel,
        engine: setup.engine,
        model: flags['served-model-name'] ?? setup.model,
        host: flags.host,
        port: flags.port,
        maxModelLen: flags['max-model-len'],
        defaultMaxTokens: flags['default-max-tokens'],
        tokensPerChunk: flags['tokens-per-chunk'],
        chatRoleDelta: flags['chat-role-delta'],
        truthFile: flags.truth,
        onWarning: (text) => this.note(`Warning: ${text}`),
        faults,
        seed: flags.seed,
      });
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      if (code === 'EADDRINUSE') throw badInput(`--port ${flags.port} on ${flags.host} is already in use`, 'pick another port or --port 0');
      if (code === 'EADDRNOTAVAIL' || code === 'ENOTFOUND') throw badInput(`--host ${flags.host} is not an address of this machine`);
      throw err;
    }
    if (flags.json) this.printJson({url: mock.url, port: mock.port, host: mock.host, model: flags['served-model-name'] ?? setup.model, perfModel: setup.perfModel.name});
    else {
      this.print(mock.url);
      this.note(`serve-mock: ${setup.perfModel.name} (${setup.source}), model "${flags['served-model-name'] ?? setup.model}", listening on ${mock.url}; Ctrl-C stops`);
    }
    await new Promise<void>((resolve) => {
      const stop = (): void => {
        process.off('SIGINT', stop);
        process.off('SIGTERM', stop);
        void mock.close().then(resolve);
      };
      process.on('SIGINT', stop);
      process.on('SIGTERM', stop);
    });
  }
}
