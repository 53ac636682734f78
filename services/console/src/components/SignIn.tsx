import { type FormEvent, useState } from "react";
import { useTranslation } from "react-i18next";

import { useSession } from "../auth/session";
import { ProblemAlert } from "./ProblemAlert";

export function SignIn() {
  const { t } = useTranslation();
  const { signIn, ended } = useSession();
  const [username, setUsername] = useState("");
  const [password, setPassword] = useState("");
  const [error, setError] = useState<unknown>();
  const [busy, setBusy] = useState(false);

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    setBusy(true);
    setError(undefined);
    try {
      await signIn(username, password);
    } catch (failure) {
      setError(failure);
    } finally {
      setBusy(false);
    }
  };

  return (
    <main id="main" className="sign-in">
      <form onSubmit={(e) => void submit(e)} aria-labelledby="sign-in-title">
        <h1 id="sign-in-title">{t("app.name")}</h1>
        {ended && !error ? (
          <p role="status" className="alert alert-info">
            {t("session.expired")}
          </p>
        ) : null}
        <ProblemAlert error={error} />
        <label htmlFor="username">{t("session.username")}</label>
        <input
          id="username"
          name="username"
          autoComplete="username"
          required
          value={username}
          onChange={(e) => setUsername(e.target.value)}
        />
        <label htmlFor="password">{t("session.password")}</label>
        <input
          id="password"
          name="password"
          type="password"
          autoComplete="current-password"
          required
          value={password}
          onChange={(e) => setPassword(e.target.value)}
        />
        <button type="submit" disabled={busy}>
          {t("session.signIn")}
        </button>
      </form>
    </main>
  );
}
