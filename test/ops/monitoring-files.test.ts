import { readFileSync } from 'node:fs';
import { Ajv } from 'ajv';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { ApiMetrics } from '../../reservation-api/server/metrics';

/**
 * The shipped Prometheus rules and Grafana dashboard (ops/monitoring/): the rule file against the
 * shape `promtool check rules` enforces (Debian's prometheus package is ~96 MB installed, too big
 * to add for this), and every metric either file names is one the API actually exports.
 */

const RULES = 'ops/monitoring/reservation-api.rules.yml';
const DASHBOARD = 'ops/monitoring/grafana-dashboard.json';

/** Prometheus rule file format (the fields promtool checks for alerting rules). */
const RULE_FILE_SCHEMA = {
  type: 'object',
  required: ['groups'],
  additionalProperties: false,
  properties: {
    groups: {
      type: 'array',
      minItems: 1,
      items: {
        type: 'object',
        required: ['name', 'rules'],
        additionalProperties: false,
        properties: {
          name: { type: 'string', minLength: 1 },
          interval: { type: 'string', pattern: '^[0-9]+[smhdwy]$' },
          rules: {
            type: 'array',
            minItems: 1,
            items: {
              type: 'object',
              required: ['alert', 'expr', 'labels', 'annotations'],
              additionalProperties: false,
              properties: {
                alert: { type: 'string', pattern: '^[A-Za-z_][A-Za-z0-9_]*$' },
                expr: { type: 'string', minLength: 1 },
                for: { type: 'string', pattern: '^[0-9]+(ms|[smhdwy])$' },
                labels: {
                  type: 'object',
                  required: ['severity'],
                  properties: { severity: { enum: ['critical', 'warning'] } },
                  additionalProperties: { type: 'string' },
                },
                annotations: {
                  type: 'object',
                  required: ['summary', 'action'],
                  additionalProperties: { type: 'string' },
                },
              },
            },
          },
        },
      },
    },
  },
};

/** Every metric name the API exports (histograms with their series suffixes), plus Prometheus' own `up`. */
async function exportedMetricNames(): Promise<Set<string>> {
  const metrics = new ApiMetrics();
  const names = new Set(['up']);
  for (const metric of await metrics.registry.getMetricsAsJSON()) {
    names.add(metric.name);
    if (String(metric.type) === 'histogram')
      for (const suffix of ['_bucket', '_sum', '_count']) names.add(metric.name + suffix);
  }
  return names;
}

/** The metric names an expression uses (identifiers followed by a selector, a space, or the end; not functions). */
function metricsOf(expr: string): string[] {
  const withoutStrings = expr.replace(/"[^"]*"/g, '""').replace(/\{[^}]*\}/g, '{}');
  const names = [...withoutStrings.matchAll(/\b([a-z_:][a-z0-9_:]*)\b(?!\s*\()/g)].map((m) => m[1]!);
  const keywords = new Set(['by', 'without', 'and', 'or', 'unless', 'on', 'ignoring', 'bool', 'offset']);
  return names.filter((name) => (!keywords.has(name) && /_/.test(name)) || name === 'up');
}

describe('Prometheus rules', () => {
  const file = parse(readFileSync(RULES, 'utf8')) as {
    groups: { name: string; rules: { alert: string; expr: string }[] }[];
  };

  it('has the shape of a Prometheus rule file, unique alert names', () => {
    const validate = new Ajv({ allErrors: true }).compile(RULE_FILE_SCHEMA);
    expect(validate(file), JSON.stringify(validate.errors)).toBe(true);
    const names = file.groups.flatMap((g) => g.rules.map((r) => r.alert));
    expect(new Set(names).size).toBe(names.length);
  });

  it('names only metrics the API exports, with balanced brackets', async () => {
    const exported = await exportedMetricNames();
    for (const rule of file.groups.flatMap((g) => g.rules)) {
      const used = metricsOf(rule.expr);
      expect(used.length, rule.alert).toBeGreaterThan(0);
      for (const name of used) expect(exported.has(name), `${rule.alert}: ${name}`).toBe(true);
      for (const [open, close] of ['()', '{}', '[]']) {
        expect(rule.expr.split(open!).length, rule.alert).toBe(rule.expr.split(close!).length);
      }
    }
  });
});

describe('Grafana dashboard', () => {
  const dashboard = JSON.parse(readFileSync(DASHBOARD, 'utf8')) as {
    uid: string;
    schemaVersion: number;
    panels: { id: number; title: string; targets: { expr: string; refId: string }[] }[];
  };

  it('is a dashboard whose every panel queries metrics the API exports', async () => {
    expect(dashboard.uid).toBeTruthy();
    expect(dashboard.schemaVersion).toBeGreaterThanOrEqual(36);
    expect(new Set(dashboard.panels.map((p) => p.id)).size).toBe(dashboard.panels.length);
    const exported = await exportedMetricNames();
    for (const panel of dashboard.panels) {
      expect(panel.targets.length, panel.title).toBeGreaterThan(0);
      for (const target of panel.targets) {
        for (const name of metricsOf(target.expr))
          expect(exported.has(name), `${panel.title}: ${name}`).toBe(true);
      }
    }
  });
});
