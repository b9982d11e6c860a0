/**
 * A tiny Prometheus text-format writer: counters, gauges and histograms, rendered by hand
 * (exposition format 0.0.4), plus the demo server's own metric set.
 *
 * @example
 * ```ts
 * const metrics = new ServerMetrics();
 * metrics.updates.inc();
 * metrics.fanOutSeconds.observe(0.0012);
 * metrics.render(); // "# HELP presence_router_updates_total ..."
 * ```
 * @module
 */

/** The Prometheus text format's content type. */
export const PROMETHEUS_CONTENT_TYPE = 'text/plain; version=0.0.4; charset=utf-8';

function formatNumber(value: number): string {
  if (value === Number.POSITIVE_INFINITY) return '+Inf';
  if (value === Number.NEGATIVE_INFINITY) return '-Inf';
  return Number.isNaN(value) ? 'NaN' : String(value);
}

/** A metric that renders itself. */
interface Metric {
  render(): string;
}

/** A monotonically increasing counter. */
export class Counter implements Metric {
  readonly name: string;
  readonly help: string;
  #value = 0;

  constructor(name: string, help: string) {
    this.name = name;
    this.help = help;
  }

  get value(): number {
    return this.#value;
  }

  /** Adds `amount` (>= 0). */
  inc(amount = 1): void {
    if (amount > 0) this.#value += amount;
  }

  render(): string {
    return `# HELP ${this.name} ${this.help}\n# TYPE ${this.name} counter\n${this.name} ${formatNumber(this.#value)}\n`;
  }
}

/** A value read when rendering: a gauge, or a counter kept elsewhere. */
export class Gauge implements Metric {
  readonly name: string;
  readonly help: string;
  readonly type: 'gauge' | 'counter';
  readonly #read: () => number;

  constructor(name: string, help: string, read: () => number, type: 'gauge' | 'counter' = 'gauge') {
    this.name = name;
    this.help = help;
    this.#read = read;
    this.type = type;
  }

  render(): string {
    return `# HELP ${this.name} ${this.help}\n# TYPE ${this.name} ${this.type}\n${this.name} ${formatNumber(this.#read())}\n`;
  }
}

/** Gauges with labels, read when rendering: one line per label set. */
export class LabeledGauge implements Metric {
  readonly name: string;
  readonly help: string;
  readonly #read: () => Iterable<readonly [Readonly<Record<string, string>>, number]>;

  constructor(
    name: string,
    help: string,
    read: () => Iterable<readonly [Readonly<Record<string, string>>, number]>,
  ) {
    this.name = name;
    this.help = help;
    this.#read = read;
  }

  render(): string {
    let out = `# HELP ${this.name} ${this.help}\n# TYPE ${this.name} gauge\n`;
    for (const [labels, value] of this.#read()) {
      const rendered = Object.entries(labels)
        .map(
          ([key, label]) =>
            `${key}="${label.replace(/["\\\n]/g, (c) => (c === '\n' ? '\\n' : `\\${c}`))}"`,
        )
        .join(',');
      out += `${this.name}{${rendered}} ${formatNumber(value)}\n`;
    }
    return out;
  }
}

/** A histogram with fixed upper bounds. */
export class Histogram implements Metric {
  readonly name: string;
  readonly help: string;
  readonly bounds: readonly number[];
  readonly #counts: number[];
  #sum = 0;
  #count = 0;

  constructor(name: string, help: string, bounds: readonly number[]) {
    this.name = name;
    this.help = help;
    this.bounds = [...bounds].sort((a, b) => a - b);
    this.#counts = this.bounds.map(() => 0);
  }

  get count(): number {
    return this.#count;
  }

  observe(value: number): void {
    this.#sum += value;
    this.#count++;
    for (let i = 0; i < this.bounds.length; i++) {
      if (value <= (this.bounds[i] as number)) this.#counts[i]!++;
    }
  }

  render(): string {
    let out = `# HELP ${this.name} ${this.help}\n# TYPE ${this.name} histogram\n`;
    this.bounds.forEach((bound, i) => {
      out += `${this.name}_bucket{le="${formatNumber(bound)}"} ${this.#counts[i]}\n`;
    });
    out += `${this.name}_bucket{le="+Inf"} ${this.#count}\n`;
    out += `${this.name}_sum ${formatNumber(this.#sum)}\n${this.name}_count ${this.#count}\n`;
    return out;
  }
}

/** The demo server's metrics. */
export class ServerMetrics {
  readonly updates = new Counter(
    'presence_router_updates_total',
    'Presence changes accepted (from PUT, sync and timers).',
  );
  readonly deliveries = new Counter(
    'presence_router_deliveries_total',
    '(recipient, state) deliveries to the streams of syncing local users.',
  );
  readonly remoteSends = new Counter(
    'presence_router_federation_sends_total',
    'Batches handed to the federation sender (one per remote server).',
  );
  readonly takeoverSnapshots = new Counter(
    'presence_router_federation_takeover_snapshots_total',
    'Remote users sent a snapshot because this instance took over their server (shared store).',
  );
  readonly routingRetries = new Counter(
    'presence_router_routing_retries_total',
    'Retries of rooms or users whose membership lookup failed (one per key retried).',
  );
  readonly requests = new Counter('presence_router_http_requests_total', 'HTTP requests served.');
  readonly parserRejections = new Counter(
    'presence_router_http_parser_rejections_total',
    'Requests refused by the HTTP parser before routing (answered with Matrix JSON).',
  );
  readonly rateLimited = new Counter(
    'presence_router_rate_limited_total',
    'Presence updates refused with 429 M_LIMIT_EXCEEDED.',
  );
  readonly fanOutSeconds = new Histogram(
    'presence_router_fan_out_seconds',
    'Time to route and deliver one batch of presence updates.',
    [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
  );
  readonly #gauges: Metric[] = [];

  /** Adds a gauge read at render time. */
  gauge(name: string, help: string, read: () => number): void {
    this.#gauges.push(new Gauge(name, help, read));
  }

  /** Adds a labeled gauge read at render time. */
  labeledGauge(
    name: string,
    help: string,
    read: () => Iterable<readonly [Readonly<Record<string, string>>, number]>,
  ): void {
    this.#gauges.push(new LabeledGauge(name, help, read));
  }

  /** Adds a counter kept by another object, read at render time. */
  counterFrom(name: string, help: string, read: () => number): void {
    this.#gauges.push(new Gauge(name, help, read, 'counter'));
  }

  /** Everything in Prometheus text format. */
  render(): string {
    const metrics: Metric[] = [
      this.updates,
      this.deliveries,
      this.remoteSends,
      this.takeoverSnapshots,
      this.routingRetries,
      this.requests,
      this.parserRejections,
      this.rateLimited,
      this.fanOutSeconds,
      ...this.#gauges,
    ];
    return metrics.map((metric) => metric.render()).join('');
  }
}
