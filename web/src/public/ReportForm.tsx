import { useMemo, useState, type FormEvent } from 'react';
import { intakeBodySchema } from '../../../src/modules/reports/report.schemas';
import { api, ApiError } from '../api/client';
import type { PublicProject, ReportFieldName } from '../api/types';
import { FilePicker, UploadProgress, useUploads } from '../components/Attachments';
import { ErrorSummary, SelectField, TextArea, TextField } from '../components/Field';
import { Notice } from '../components/Notice';
import { formatBytes, typeNames } from '../lib/attachments';
import { FIELD_LABELS } from '../lib/format';
import { navigate } from '../router';

/** Free-text fields the browser can encrypt. The title, versions, credit and email stay readable: the desk sorts, checks and answers with them. */
const ENCRYPTABLE = ['description', 'stepsToReproduce', 'impact', 'environment', 'proofOfConcept', 'suggestedFix'] as const;
type Encryptable = (typeof ENCRYPTABLE)[number];

type Values = Record<Exclude<ReportFieldName, 'credit'>, string> & { creditType: '' | 'name' | 'handle' | 'anonymous'; creditValue: string; pgpPublicKey: string };
const EMPTY: Values = { title: '', description: '', stepsToReproduce: '', impact: '', affectedVersions: '', environment: '', proofOfConcept: '', suggestedFix: '', contactEmail: '', creditType: '', creditValue: '', pgpPublicKey: '' };

const HINTS: Partial<Record<ReportFieldName, string>> = {
  title: 'A short summary. Keep it general if you encrypt: the title is not encrypted.',
  description: 'What the vulnerability is and where it is.',
  stepsToReproduce: 'How to trigger it, step by step.',
  impact: 'What an attacker could do with it.',
  affectedVersions: 'Versions you tested, separated by commas, for example 0.4.2, 0.3.9.',
  environment: 'Operating system, runtime, configuration.',
  proofOfConcept: 'Code or a request that shows the problem.',
  suggestedFix: 'If you have an idea how to fix it.',
  credit: 'How the advisory should credit you.',
  contactEmail: 'Optional for updates by email. Your private status page works without it.',
};

const fieldId = (field: string) => `report-${field}`;

function buildBody(values: Values) {
  // Title and description are always sent, so that an empty one gets the API's own "must not be empty".
  const body: Record<string, unknown> = { title: values.title, description: values.description };
  for (const key of ['stepsToReproduce', 'impact', 'environment', 'proofOfConcept', 'suggestedFix', 'contactEmail', 'pgpPublicKey'] as const) {
    if (values[key].trim() !== '') body[key] = values[key];
  }
  // The key only serves mail to the contact address; the field is hidden without one.
  if (!values.contactEmail.trim()) delete body.pgpPublicKey;
  const versions = values.affectedVersions.split(/[,\n]/).map((version) => version.trim()).filter(Boolean);
  if (versions.length > 0) body.affectedVersions = versions;
  if (values.creditType) body.credit = values.creditType === 'anonymous' ? { type: 'anonymous' } : { type: values.creditType, ...(values.creditValue.trim() ? { value: values.creditValue } : {}) };
  return body;
}

type Problem = { field: string; message: string };

/**
 * The API's own checks, run before sending: the intake schema shared with the server (same messages),
 * then the fields this project's policy requires (same wording as the server's answer).
 */
function validate(project: PublicProject, body: Record<string, unknown>): Problem[] {
  const problems: Problem[] = [];
  const parsed = intakeBodySchema.safeParse(body);
  if (!parsed.success) {
    for (const issue of parsed.error.issues) problems.push({ field: String(issue.path[0] ?? 'title'), message: `${FIELD_LABELS[String(issue.path[0])] ?? 'Report'}: ${issue.message}` });
  }
  for (const field of project.report.requiredFields) {
    const value = body[field];
    if ((value === undefined || (Array.isArray(value) && value.length === 0)) && !problems.some((problem) => problem.field === field)) {
      problems.push({ field, message: `${FIELD_LABELS[field] ?? field}: ${project.name}'s security policy requires this field` });
    }
  }
  return problems;
}

/** The limits the server published for files; whether a file's type is accepted is the server's call. */
function fileProblems(files: File[], limits: PublicProject['report']['attachmentLimits']): Problem[] {
  const problems: Problem[] = [];
  if (files.length > limits.maxCount) problems.push({ field: 'files', message: `Files: attach at most ${limits.maxCount} files.` });
  for (const file of files) {
    if (file.size > limits.maxBytes) problems.push({ field: 'files', message: `Files: ${file.name} is ${formatBytes(file.size)}; files may be at most ${formatBytes(limits.maxBytes)}.` });
    else if (file.size === 0) problems.push({ field: 'files', message: `Files: ${file.name} is empty.` });
  }
  return problems;
}

export function ReportForm({ project }: { project: PublicProject }) {
  const [values, setValues] = useState<Values>(EMPTY);
  const [problems, setProblems] = useState<Problem[]>([]);
  const [submitting, setSubmitting] = useState<false | 'encrypting' | 'sending'>(false);
  // Files go up after the report exists, with its reporter token; the report is never sent twice.
  const [files, setFiles] = useState<File[]>([]);
  const [created, setCreated] = useState<{ url: string; uploading: boolean } | null>(null);
  const uploads = useUploads();
  const limits = project.report.attachmentLimits;
  const acceptsFiles = project.report.attachments === 'allowed';
  const keys = useMemo(() => project.contacts.map((contact) => contact.pgpPublicKey).filter((key): key is string => Boolean(key)), [project]);
  const [encrypt, setEncrypt] = useState(false);
  const required = new Set(project.report.requiredFields);
  const set = (key: keyof Values) => (value: string) => setValues((previous) => ({ ...previous, [key]: value }));
  const errorFor = (field: string) => problems.find((problem) => problem.field === field)?.message;
  const ids = Object.fromEntries([...project.report.fields.map((field) => field.name), 'pgpPublicKey', 'files'].map((name) => [name, fieldId(name)]));

  async function submit(event: FormEvent) {
    event.preventDefault();
    let body = buildBody(values);
    const found = [...validate(project, body), ...fileProblems(files, limits)];
    setProblems(found);
    if (found.length > 0) return;
    try {
      if (encrypt && keys.length > 0) {
        setSubmitting('encrypting');
        const { encryptText } = await import('../lib/pgp');
        const sealed = { ...body };
        for (const field of ENCRYPTABLE) {
          const text = body[field as Encryptable];
          if (typeof text === 'string') sealed[field] = await encryptText(text, keys);
        }
        body = sealed;
        // Ciphertext is longer than the text: the limits apply to what the server stores.
        const after = validate(project, body).map((problem) => ({ ...problem, message: `${problem.message} (after encryption; shorten the text or send it unencrypted)` }));
        if (after.length > 0) {
          setProblems(after);
          setSubmitting(false);
          return;
        }
      }
      setSubmitting('sending');
      const result = await api<{ id: string; accessToken: string; statusUrl: string }>(`/api/v1/projects/${encodeURIComponent(project.slug)}/reports`, { method: 'POST', body });
      const url = `/r/${result.id}#${result.accessToken}`;
      if (acceptsFiles && files.length > 0) {
        setCreated({ url, uploading: true });
        const encryptTo = encrypt && keys.length > 0 ? keys : undefined;
        const allAttached = await uploads.run(result.id, files, { token: result.accessToken, maxBytes: limits.maxBytes, encryptTo });
        // A file that failed stays here with its reason; the report itself is sent and its page offers uploads again.
        if (!allAttached) return setCreated({ url, uploading: false });
      }
      navigate(url, { state: { submitted: true } });
    } catch (error) {
      setSubmitting(false);
      if (error instanceof ApiError && error.fields.length > 0) {
        setProblems(error.fields.map((field) => ({ field: field.field.split('.')[0]!, message: `${FIELD_LABELS[field.field.split('.')[0]!] ?? field.field}: ${field.message}` })));
      } else {
        setProblems([{ field: 'form', message: error instanceof Error ? error.message : 'The report could not be sent.' }]);
      }
    }
  }

  const fieldsInOrder = project.report.fields.map((field) => field.name);
  if (created) {
    return (
      <section aria-labelledby="report" className="report-form">
        <h2 id="report">Report a vulnerability</h2>
        <Notice tone={created.uploading ? 'info' : 'warning'} role="status">
          <p className="notice__title">Your report was sent.</p>
          <p>{created.uploading ? 'Attaching your files…' : 'Some files could not be attached (see below). You can add them again on your report\u2019s page.'}</p>
        </Notice>
        <UploadProgress items={uploads.items} />
        {created.uploading ? null : (
          <button type="button" className="button button--primary" onClick={() => navigate(created.url, { state: { submitted: true } })}>
            Continue to your report
          </button>
        )}
      </section>
    );
  }
  return (
    <section aria-labelledby="report" className="report-form">
      <h2 id="report">Report a vulnerability</h2>
      <p>
        Your report goes privately to the {project.name} security team. Fields marked required are what this project's policy asks for. After sending, you get a private link to follow your report and
        talk with the team.
      </p>
      <ErrorSummary problems={problems} fieldIds={ids} />
      <form onSubmit={submit} noValidate>
        {fieldsInOrder.map((name) => {
          const isRequired = required.has(name);
          const common = { name, id: fieldId(name), label: FIELD_LABELS[name] ?? name, hint: HINTS[name], required: isRequired, error: errorFor(name) };
          switch (name) {
            case 'title':
              return <TextField key={name} {...common} value={values.title} onChange={set('title')} autoComplete="off" />;
            case 'affectedVersions':
              return <TextField key={name} {...common} value={values.affectedVersions} onChange={set('affectedVersions')} autoComplete="off" />;
            case 'contactEmail':
              return (
                <div key={name}>
                  <TextField {...common} type="email" value={values.contactEmail} onChange={set('contactEmail')} autoComplete="email" />
                  {values.contactEmail.trim() ? (
                    <TextArea
                      name="pgpPublicKey"
                      id={fieldId('pgpPublicKey')}
                      label="Your OpenPGP public key"
                      hint="Optional: email updates to you are then encrypted to this key (ASCII-armored)."
                      error={errorFor('pgpPublicKey')}
                      value={values.pgpPublicKey}
                      onChange={set('pgpPublicKey')}
                      rows={3}
                      mono
                    />
                  ) : null}
                </div>
              );
            case 'credit':
              return (
                <fieldset key={name} className="fieldset">
                  <legend>
                    Credit{isRequired ? <span className="field__required"> (required)</span> : <span className="field__optional"> (optional)</span>}
                  </legend>
                  <SelectField
                    name="creditType"
                    id={fieldId('credit')}
                    label="How should we credit you?"
                    hint={HINTS.credit}
                    error={errorFor('credit')}
                    value={values.creditType}
                    onChange={set('creditType')}
                    options={[
                      { value: '', label: 'No preference' },
                      { value: 'name', label: 'By name' },
                      { value: 'handle', label: 'By handle' },
                      { value: 'anonymous', label: 'Anonymously' },
                    ]}
                  />
                  {values.creditType === 'name' || values.creditType === 'handle' ? (
                    <TextField name="creditValue" label={values.creditType === 'name' ? 'Your name' : 'Your handle'} value={values.creditValue} onChange={set('creditValue')} required showRequired={false} />
                  ) : null}
                </fieldset>
              );
            default:
              return (
                <TextArea
                  key={name}
                  {...common}
                  value={values[name]}
                  onChange={set(name)}
                  rows={name === 'description' ? 8 : name === 'environment' ? 3 : 5}
                  mono={name === 'proofOfConcept'}
                />
              );
          }
        })}
        {keys.length > 0 ? (
          <div className="checkbox">
            <input id="report-encrypt" type="checkbox" checked={encrypt} onChange={(event) => setEncrypt(event.target.checked)} aria-describedby="report-encrypt-hint" />
            <label htmlFor="report-encrypt">Encrypt my report in this browser before sending</label>
            <p className="field__hint" id="report-encrypt-hint">
              Uses OpenPGP with the project's published key, so the server stores only ciphertext of the description, steps, impact, environment, proof of concept and suggested fix. The title,
              versions, credit and email are sent as they are.
            </p>
          </div>
        ) : null}
        {acceptsFiles ? (
          <FilePicker
            id={fieldId('files')}
            files={files}
            onChange={setFiles}
            maxBytes={limits.maxBytes}
            error={errorFor('files')}
            hint={`Up to ${limits.maxCount} files of ${formatBytes(limits.maxBytes)} each: ${typeNames(limits.types)} (zip anything else). They are sent after the report. ${
              keys.length > 0
                ? 'When you encrypt your report, files are encrypted in this browser too (as .asc files); otherwise they are stored encrypted on the server but are not end-to-end encrypted. File names are sent as they are.'
                : 'They are stored encrypted on the server, but are not end-to-end encrypted.'
            }`}
          />
        ) : (
          <p className="muted">This project does not accept attachments: paste text into the fields.</p>
        )}
        <button type="submit" className="button button--primary" disabled={submitting !== false}>
          {submitting === 'encrypting' ? 'Encrypting…' : submitting === 'sending' ? 'Sending…' : 'Send report privately'}
        </button>
      </form>
    </section>
  );
}
