import { useEffect, useId, useRef, type ChangeEvent, type ReactNode } from 'react';

type Common = { label: string; hint?: ReactNode; error?: string | undefined; required?: boolean; name: string; id?: string };

function Describe({ id, hint, error }: { id: string; hint?: ReactNode; error?: string | undefined }) {
  return (
    <>
      {hint ? (
        <p className="field__hint" id={`${id}-hint`}>
          {hint}
        </p>
      ) : null}
      {error ? (
        <p className="field__error" id={`${id}-error`}>
          <span className="visually-hidden">Error: </span>
          {error}
        </p>
      ) : null}
    </>
  );
}

function describedBy(id: string, hint: unknown, error: unknown): string | undefined {
  const ids = [hint ? `${id}-hint` : null, error ? `${id}-error` : null].filter(Boolean);
  return ids.length > 0 ? ids.join(' ') : undefined;
}

function LabelText({ label, required }: { label: string; required?: boolean | undefined }) {
  return (
    <>
      {label}
      {required ? <span className="field__required"> (required)</span> : <span className="field__optional"> (optional)</span>}
    </>
  );
}

/** Label, hint and error around one control; `control` gets the id and ARIA attributes to wire up. */
function FieldFrame({
  givenId,
  label,
  labelNode,
  hint,
  error,
  control,
}: {
  givenId: string | undefined;
  label: string;
  labelNode?: ReactNode;
  hint?: ReactNode;
  error?: string | undefined;
  control: (aria: { id: string; 'aria-invalid': true | undefined; 'aria-describedby': string | undefined }) => ReactNode;
}) {
  const generatedId = useId();
  const id = givenId ?? generatedId;
  return (
    <div className={`field${error ? ' field--error' : ''}`}>
      <label htmlFor={id} className="field__label">
        {labelNode ?? label}
      </label>
      <Describe id={id} hint={hint} error={error} />
      {control({ id, 'aria-invalid': error ? true : undefined, 'aria-describedby': describedBy(id, hint, error) })}
    </div>
  );
}

export function TextField({
  label,
  hint,
  error,
  required,
  name,
  value,
  onChange,
  type = 'text',
  autoComplete,
  inputMode,
  showRequired = true,
  id: givenId,
  autoFocus,
}: Common & {
  autoFocus?: boolean;
  value: string;
  onChange: (value: string) => void;
  type?: 'text' | 'email' | 'password' | 'search' | 'url';
  autoComplete?: string;
  inputMode?: 'text' | 'numeric';
  showRequired?: boolean;
}) {
  return (
    <FieldFrame
      givenId={givenId}
      label={label}
      labelNode={showRequired ? <LabelText label={label} required={required} /> : undefined}
      hint={hint}
      error={error}
      control={(aria) => (
        <input
          {...aria}
          name={name}
          type={type}
          value={value}
          required={required}
          autoComplete={autoComplete}
          inputMode={inputMode}
          autoFocus={autoFocus}
          onChange={(event: ChangeEvent<HTMLInputElement>) => onChange(event.target.value)}
        />
      )}
    />
  );
}

export function TextArea({ label, hint, error, required, name, value, onChange, rows = 5, showRequired = true, mono = false, id: givenId }: Common & { value: string; onChange: (value: string) => void; rows?: number; showRequired?: boolean; mono?: boolean }) {
  return (
    <FieldFrame
      givenId={givenId}
      label={label}
      labelNode={showRequired ? <LabelText label={label} required={required} /> : undefined}
      hint={hint}
      error={error}
      control={(aria) => <textarea {...aria} name={name} rows={rows} value={value} required={required} className={mono ? 'mono' : undefined} onChange={(event) => onChange(event.target.value)} />}
    />
  );
}

export function SelectField({ label, hint, error, name, value, onChange, options, required, id: givenId }: Common & { value: string; onChange: (value: string) => void; options: { value: string; label: string }[] }) {
  return (
    <FieldFrame
      givenId={givenId}
      label={label}
      hint={hint}
      error={error}
      control={(aria) => (
        <select {...aria} name={name} value={value} required={required} onChange={(event) => onChange(event.target.value)}>
          {options.map((option) => (
            <option key={option.value} value={option.value}>
              {option.label}
            </option>
          ))}
        </select>
      )}
    />
  );
}

/** Links each problem to its field, as GOV.UK's error summary does, and takes focus when it appears. */
export function ErrorSummary({ problems, fieldIds }: { problems: { field: string; message: string }[]; fieldIds?: Record<string, string> }) {
  const ref = useRef<HTMLDivElement>(null);
  useEffect(() => {
    if (problems.length > 0) ref.current?.focus();
  }, [problems]);
  if (problems.length === 0) return null;
  return (
    <div className="error-summary" role="alert" tabIndex={-1} ref={ref}>
      <h2 className="error-summary__title">There {problems.length === 1 ? 'is a problem' : `are ${problems.length} problems`}</h2>
      <ul>
        {problems.map((problem) => (
          <li key={`${problem.field}:${problem.message}`}>
            {fieldIds?.[problem.field] ? <a href={`#${fieldIds[problem.field]}`}>{problem.message}</a> : problem.message}
          </li>
        ))}
      </ul>
    </div>
  );
}
