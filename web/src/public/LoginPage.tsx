import { useState, type FormEvent } from 'react';
import { api, ApiError } from '../api/client';
import { TextField } from '../components/Field';
import { ErrorNotice } from '../components/Notice';
import { navigate, usePageTitle } from '../router';

/** Only paths inside the team desk: `next` comes from the URL and must not send people elsewhere. */
function safeNext(next: string | null): string {
  return next && /^\/team(\/|$)/.test(next) && !next.startsWith('//') ? next : '/team';
}

export function LoginPage({ next }: { next: string | null }) {
  usePageTitle('Team sign-in');
  const [email, setEmail] = useState('');
  const [password, setPassword] = useState('');
  const [code, setCode] = useState('');
  const [step, setStep] = useState<'password' | 'code'>('password');
  const [error, setError] = useState<unknown>(null);
  const [busy, setBusy] = useState(false);

  async function submit(event: FormEvent) {
    event.preventDefault();
    setError(null);
    if (!email.trim() || !password) {
      setError(new Error('Enter your email address and password.'));
      return;
    }
    if (step === 'code' && code.trim().length < 6) {
      setError(new Error('Enter the 6-digit code from your authenticator app, or a recovery code.'));
      return;
    }
    setBusy(true);
    try {
      await api('/api/v1/auth/login', { method: 'POST', body: { email, password, ...(step === 'code' ? { code: code.trim() } : {}) } });
      navigate(safeNext(next), { replace: true });
    } catch (caught) {
      if (caught instanceof ApiError && caught.code === 'TWO_FACTOR_REQUIRED') {
        setStep('code');
      } else {
        setError(caught);
      }
    } finally {
      setBusy(false);
    }
  }

  return (
    <div className="narrow">
      <h1>Sign in to the team desk</h1>
      <p>For project maintainers. Reporters do not need an account: use the private link you received.</p>
      <ErrorNotice error={error} />
      <form onSubmit={submit} noValidate className="panel">
        {step === 'password' ? (
          <>
            <TextField key="email" name="email" type="email" label="Email address" value={email} onChange={setEmail} autoComplete="username" required showRequired={false} />
            <TextField name="password" type="password" label="Password" value={password} onChange={setPassword} autoComplete="current-password" required showRequired={false} />
          </>
        ) : (
          <>
            <p role="status">Two-factor authentication is on for {email}.</p>
            <TextField
              key="code"
              name="code"
              label="Code from your authenticator app"
              hint="6 digits, or one of your recovery codes."
              value={code}
              onChange={setCode}
              autoComplete="one-time-code"
              autoFocus
              inputMode="text"
              required
              showRequired={false}
            />
          </>
        )}
        <button type="submit" className="button button--primary" disabled={busy}>
          {busy ? 'Signing in…' : step === 'code' ? 'Verify and sign in' : 'Sign in'}
        </button>
        {step === 'code' ? (
          <button
            type="button"
            className="button button--link"
            onClick={() => {
              setStep('password');
              setCode('');
            }}
          >
            Use another account
          </button>
        ) : null}
      </form>
    </div>
  );
}
