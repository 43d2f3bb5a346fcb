import { useMemo, useState } from 'react';
import { scoreCvss, type CvssVersion } from '../../../src/modules/triage/cvss';

/**
 * CVSS 3.1 and 4.0 base metrics as radio groups, scored live with the same code the server uses
 * (src/modules/triage/cvss.ts over ae-cvss-calculator), so the score shown is the score stored.
 * Temporal, threat and environmental metrics can be pasted in the vector field and are kept.
 */

type Metric = { id: string; name: string; values: [string, string][] };

const CIA = (prefix: string): [string, string][] => [
  ['H', `${prefix}High`],
  ['L', `${prefix}Low`],
  ['N', `${prefix}None`],
];

const METRICS: Record<CvssVersion, Metric[]> = {
  '3.1': [
    { id: 'AV', name: 'Attack vector', values: [['N', 'Network'], ['A', 'Adjacent'], ['L', 'Local'], ['P', 'Physical']] },
    { id: 'AC', name: 'Attack complexity', values: [['L', 'Low'], ['H', 'High']] },
    { id: 'PR', name: 'Privileges required', values: [['N', 'None'], ['L', 'Low'], ['H', 'High']] },
    { id: 'UI', name: 'User interaction', values: [['N', 'None'], ['R', 'Required']] },
    { id: 'S', name: 'Scope', values: [['U', 'Unchanged'], ['C', 'Changed']] },
    { id: 'C', name: 'Confidentiality', values: CIA('') },
    { id: 'I', name: 'Integrity', values: CIA('') },
    { id: 'A', name: 'Availability', values: CIA('') },
  ],
  '4.0': [
    { id: 'AV', name: 'Attack vector', values: [['N', 'Network'], ['A', 'Adjacent'], ['L', 'Local'], ['P', 'Physical']] },
    { id: 'AC', name: 'Attack complexity', values: [['L', 'Low'], ['H', 'High']] },
    { id: 'AT', name: 'Attack requirements', values: [['N', 'None'], ['P', 'Present']] },
    { id: 'PR', name: 'Privileges required', values: [['N', 'None'], ['L', 'Low'], ['H', 'High']] },
    { id: 'UI', name: 'User interaction', values: [['N', 'None'], ['P', 'Passive'], ['A', 'Active']] },
    { id: 'VC', name: 'Vulnerable system confidentiality', values: CIA('') },
    { id: 'VI', name: 'Vulnerable system integrity', values: CIA('') },
    { id: 'VA', name: 'Vulnerable system availability', values: CIA('') },
    { id: 'SC', name: 'Subsequent system confidentiality', values: CIA('') },
    { id: 'SI', name: 'Subsequent system integrity', values: CIA('') },
    { id: 'SA', name: 'Subsequent system availability', values: CIA('') },
  ],
};

type Parts = { base: Record<string, string>; extra: [string, string][] };

function split(version: CvssVersion, vector: string | null): Parts {
  const base: Record<string, string> = {};
  const extra: [string, string][] = [];
  if (!vector) return { base, extra };
  const ids = new Set(METRICS[version].map((metric) => metric.id));
  for (const part of vector.replace(/^CVSS:[^/]*\//, '').split('/')) {
    const [metric, value] = part.split(':');
    if (!metric || !value) continue;
    if (ids.has(metric)) base[metric] = value;
    else extra.push([metric, value]);
  }
  return { base, extra };
}

function join(version: CvssVersion, parts: Parts): string {
  const base = METRICS[version].filter((metric) => parts.base[metric.id]).map((metric) => `${metric.id}:${parts.base[metric.id]}`);
  return [`CVSS:${version}`, ...base, ...parts.extra.map(([metric, value]) => `${metric}:${value}`)].join('/');
}

type Props = { version: CvssVersion; saved: { vector: string; score: number; severity: string } | null; canEdit: boolean; onSave: (vector: string | null) => Promise<void> };

export function CvssCalculator({ version, saved, canEdit, onSave }: Props) {
  const [parts, setParts] = useState<Parts>(() => split(version, saved?.vector ?? null));
  const [text, setText] = useState<string | null>(null);
  const [state, setState] = useState<{ busy: boolean; error: string | null; done: string | null }>({ busy: false, error: null, done: null });
  const vector = text ?? join(version, parts);
  const result = useMemo(() => scoreCvss(version, vector), [version, vector]);
  const missing = METRICS[version].filter((metric) => !parts.base[metric.id]).map((metric) => metric.id);
  const prefix = `cvss${version.replace('.', '')}`;

  async function save(value: string | null) {
    setState({ busy: true, error: null, done: null });
    try {
      await onSave(value);
      setState({ busy: false, error: null, done: value ? 'Saved.' : 'Cleared.' });
    } catch (error) {
      setState({ busy: false, error: (error as Error).message, done: null });
    }
  }

  return (
    <div className="cvss">
      <div className="cvss__score" aria-live="polite">
        {result.ok ? (
          <>
            <span className={`score score--${result.severity}`}>{result.score.toFixed(1)}</span> <span className="cvss__severity">{result.severity}</span>
          </>
        ) : (
          <span className="muted">{missing.length > 0 && text === null ? `Choose ${missing.join(', ')} to see the score` : `Not a valid vector: ${result.reason}`}</span>
        )}
        {saved ? (
          <p className="small muted">
            Saved: <code>{saved.vector}</code> ({saved.score.toFixed(1)} {saved.severity})
          </p>
        ) : (
          <p className="small muted">No CVSS {version} vector saved.</p>
        )}
      </div>
      <div className="cvss__metrics">
        {METRICS[version].map((metric) => (
          <fieldset key={metric.id} className="segmented" disabled={!canEdit}>
            <legend>
              {metric.name} <abbr title={metric.name}>({metric.id})</abbr>
            </legend>
            <div className="segmented__options">
              {metric.values.map(([value, label]) => {
                const id = `${prefix}-${metric.id}-${value}`;
                return (
                  <span key={value} className="segmented__option">
                    <input
                      type="radio"
                      id={id}
                      name={`${prefix}-${metric.id}`}
                      value={value}
                      checked={parts.base[metric.id] === value}
                      onChange={() => {
                        setText(null);
                        setParts((previous) => ({ ...previous, base: { ...previous.base, [metric.id]: value } }));
                      }}
                    />
                    <label htmlFor={id}>{label}</label>
                  </span>
                );
              })}
            </div>
          </fieldset>
        ))}
      </div>
      <div className="field">
        <label htmlFor={`${prefix}-vector`} className="field__label">
          CVSS {version} vector
        </label>
        <p className="field__hint" id={`${prefix}-vector-hint`}>
          Edit or paste a full vector; temporal, threat and environmental metrics are kept.
        </p>
        <input
          id={`${prefix}-vector`}
          className="mono"
          value={vector}
          readOnly={!canEdit}
          aria-describedby={`${prefix}-vector-hint`}
          onChange={(event) => {
            const value = event.target.value;
            setText(value);
            const scored = scoreCvss(version, value);
            if (scored.ok) {
              setParts(split(version, scored.vector));
              setText(null);
            }
          }}
        />
      </div>
      {canEdit ? (
        <div className="button-row">
          <button type="button" className="button button--primary" disabled={!result.ok || state.busy || (result.ok && result.vector === saved?.vector)} onClick={() => result.ok && save(result.vector)}>
            Save CVSS {version}
          </button>
          {saved ? (
            <button type="button" className="button" disabled={state.busy} onClick={() => save(null)}>
              Clear
            </button>
          ) : null}
        </div>
      ) : null}
      {state.error ? (
        <p className="field__error" role="alert">
          {state.error}
        </p>
      ) : null}
      {state.done ? (
        <p className="small" role="status">
          {state.done}
        </p>
      ) : null}
    </div>
  );
}
