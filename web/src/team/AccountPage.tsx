import { useState, type FormEvent } from 'react';
import { api } from '../api/client';
import type { SessionItem } from '../api/types';
import { TextField } from '../components/Field';
import { ErrorNotice, Loading, Notice } from '../components/Notice';
import { formatDateTime } from '../lib/format';
import { useApi } from '../lib/useApi';
import { navigate, usePageTitle } from '../router';
import { useTeam } from './context';

function TwoFactor({ enabled }: { enabled: boolean }) {
  const [setup, setSetup] = useState<{ secret: string; otpauthUri: string } | null>(null);
  const [code, setCode] = useState('');
  const [recovery, setRecovery] = useState<string[] | null>(null);
  const [on, setOn] = useState(enabled);
  const [state, setState] = useState<{ busy: boolean; error: unknown; message: string | null }>({ busy: false, error: null, message: null });
  const run = async (work: () => Promise<void>) => {
    setState({ busy: true, error: null, message: null });
    try {
      await work();
      setState((previous) => ({ ...previous, busy: false }));
    } catch (error) {
      setState({ busy: false, error, message: null });
    }
  };

  if (recovery) {
    return (
      <Notice tone="success">
        <p className="notice__title">Two-factor authentication is on.</p>
        <p>Save these recovery codes somewhere safe. Each works once if you lose your authenticator; they are shown only now.</p>
        <ul className="codes mono">
          {recovery.map((item) => (
            <li key={item}>{item}</li>
          ))}
        </ul>
        <button type="button" className="button" onClick={() => setRecovery(null)}>
          I saved them
        </button>
      </Notice>
    );
  }
  if (on) {
    return (
      <form
        onSubmit={(event: FormEvent) => {
          event.preventDefault();
          void run(async () => {
            await api('/api/v1/auth/2fa/disable', { method: 'POST', body: { code: code.trim() } });
            setOn(false);
            setCode('');
          });
        }}
      >
        <p>Two-factor authentication is on.</p>
        <TextField name="code" label="Current code, to turn it off" value={code} onChange={setCode} autoComplete="one-time-code" showRequired={false} />
        <ErrorNotice error={state.error} />
        <button type="submit" className="button" disabled={state.busy}>
          Turn off two-factor authentication
        </button>
      </form>
    );
  }
  if (!setup) {
    return (
      <>
        <p>Two-factor authentication is off. Some projects grant nothing until you sign in with a second factor.</p>
        <ErrorNotice error={state.error} />
        <button type="button" className="button button--primary" disabled={state.busy} onClick={() => run(async () => setSetup(await api('/api/v1/auth/2fa/setup', { method: 'POST' })))}>
          Set up two-factor authentication
        </button>
      </>
    );
  }
  return (
    <form
      onSubmit={(event: FormEvent) => {
        event.preventDefault();
        void run(async () => {
          const result = await api<{ recoveryCodes: string[] }>('/api/v1/auth/2fa/confirm', { method: 'POST', body: { code: code.trim() } });
          setRecovery(result.recoveryCodes);
          setOn(true);
          setSetup(null);
          setCode('');
        });
      }}
    >
      <p>Add this secret to your authenticator app (as a time-based key), then enter the code it shows.</p>
      <p>
        Secret: <code className="mono">{setup.secret}</code>
      </p>
      <p className="small break">
        Or open: <a href={setup.otpauthUri}>{setup.otpauthUri}</a>
      </p>
      <TextField name="code" label="Code from your authenticator app" value={code} onChange={setCode} autoComplete="one-time-code" showRequired={false} />
      <ErrorNotice error={state.error} />
      <button type="submit" className="button button--primary" disabled={state.busy}>
        Confirm
      </button>
    </form>
  );
}

export function AccountPage() {
  usePageTitle('Account');
  const team = useTeam();
  const sessions = useApi('sessions', (signal) => api<{ items: SessionItem[] }>('/api/v1/auth/sessions', { signal }));
  const [error, setError] = useState<unknown>(null);
  return (
    <>
      <h1>Your account</h1>
      <dl className="facts">
        <div>
          <dt>Email</dt>
          <dd>{team.me.email}</dd>
        </div>
        <div>
          <dt>Roles</dt>
          <dd>{team.me.roles.map((role) => `${role.role} on ${role.project === '*' ? 'every project' : role.project}`).join(', ') || 'none'}</dd>
        </div>
      </dl>
      {team.me.twoFactorRequiredBy.length > 0 && !team.me.twoFactorEnabled ? (
        <Notice tone="warning">
          <p>
            {team.me.twoFactorRequiredBy.join(', ')} require two-factor sign-in: set it up below, then sign in again to get your role there.
          </p>
        </Notice>
      ) : null}
      <section aria-labelledby="twofactor" className="panel">
        <h2 id="twofactor">Two-factor authentication</h2>
        <TwoFactor enabled={team.me.twoFactorEnabled} />
      </section>
      <section aria-labelledby="sessions" className="panel">
        <h2 id="sessions">Sessions</h2>
        <ErrorNotice error={error ?? sessions.error} />
        {sessions.loading && !sessions.data ? <Loading what="sessions" /> : null}
        {sessions.data ? (
          <div className="table-scroll" tabIndex={0} role="region" aria-label="Your sessions">
            <table className="table table--compact">
              <thead>
                <tr>
                  <th scope="col">Browser</th>
                  <th scope="col">Address</th>
                  <th scope="col">Last seen</th>
                  <th scope="col">Second factor</th>
                  <th scope="col">
                    <span className="visually-hidden">Actions</span>
                  </th>
                </tr>
              </thead>
              <tbody>
                {sessions.data.items.map((session) => (
                  <tr key={session.id}>
                    <td>
                      {session.userAgent ?? 'unknown'}
                      {session.current ? <span className="badge badge--ok">this session</span> : null}
                    </td>
                    <td>{session.ip ?? ''}</td>
                    <td>{formatDateTime(session.lastSeenAt)}</td>
                    <td>{session.twoFactorVerified ? 'Yes' : 'No'}</td>
                    <td>
                      {session.current ? null : (
                        <button
                          type="button"
                          className="button button--small"
                          onClick={() =>
                            api(`/api/v1/auth/sessions/${session.id}`, { method: 'DELETE' }).then(
                              () => sessions.reload(),
                              (caught: unknown) => setError(caught),
                            )
                          }
                        >
                          End
                        </button>
                      )}
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        ) : null}
        <button
          type="button"
          className="button"
          onClick={() =>
            api('/api/v1/auth/sessions/revoke-all', { method: 'POST' }).then(
              () => navigate('/login', { replace: true }),
              (caught: unknown) => setError(caught),
            )
          }
        >
          Sign out everywhere
        </button>
      </section>
    </>
  );
}
