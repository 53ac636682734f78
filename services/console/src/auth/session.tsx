// Who is signed in. The token lives in an HttpOnly cookie the gateway sets (script cannot
// read it, so an injected script cannot steal it); the console only knows the user.
import { createContext, useCallback, useContext, useEffect, useMemo, useState, type ReactNode } from "react";

import { api, CONSOLE_HEADERS, onSignedOut } from "../api/client";
import { ProblemError, type ProblemBody } from "../api/problem";
import type { components } from "../api/schema";

export type User = components["schemas"]["UserOut"];
// The gateway's roles: operators are the planners and dispatchers of the seeds.
export type Role = "admin" | "operator" | "viewer" | "technician";

export interface Session {
  /** undefined while the first /auth/me is on its way; null when signed out. */
  user: User | null | undefined;
  /** The API answered 401 to a signed-in user: the session expired or was revoked. */
  ended: boolean;
  signIn(username: string, password: string): Promise<void>;
  signOut(): Promise<void>;
  /** Whether the user has one of these roles. */
  hasRole(...roles: Role[]): boolean;
}

const SessionContext = createContext<Session | null>(null);

export function SessionProvider({ children }: { children: ReactNode }) {
  const [user, setUser] = useState<User | null | undefined>(undefined);
  const [ended, setEnded] = useState(false);

  useEffect(() => {
    let live = true;
    api
      .GET("/auth/me")
      .then(({ data }) => live && setUser(data ?? null))
      .catch(() => live && setUser(null));
    const stop = onSignedOut(() =>
      setUser((before) => {
        if (before) setEnded(true);
        return null;
      }),
    );
    return () => {
      live = false;
      stop();
    };
  }, []);

  const signIn = useCallback(async (username: string, password: string) => {
    const response = await fetch("/auth/session", {
      method: "POST",
      credentials: "same-origin",
      headers: { ...CONSOLE_HEADERS, "Content-Type": "application/x-www-form-urlencoded" },
      body: new URLSearchParams({ username, password }),
    });
    const body = (await response.json().catch(() => ({}))) as ProblemBody & { user?: User };
    if (!response.ok) {
      throw new ProblemError(response.status, body, response.headers.get("X-Request-Id") ?? undefined);
    }
    setEnded(false);
    setUser(body.user ?? null);
  }, []);

  const signOut = useCallback(async () => {
    try {
      await api.POST("/auth/logout");
    } catch {
      // Signed out already (expired, revoked): the cookie is gone or worthless either way.
    }
    setUser(null);
  }, []);

  const value = useMemo<Session>(
    () => ({
      user,
      ended,
      signIn,
      signOut,
      hasRole: (...roles: Role[]) => !!user && roles.some((role) => user.roles.includes(role)),
    }),
    [user, ended, signIn, signOut],
  );
  return <SessionContext.Provider value={value}>{children}</SessionContext.Provider>;
}

export function useSession(): Session {
  const session = useContext(SessionContext);
  if (!session) throw new Error("useSession outside SessionProvider");
  return session;
}

/** A session with a fixed user, for component tests. */
export function TestSession({ user, children }: { user: User; children: ReactNode }) {
  const value: Session = {
    user,
    ended: false,
    signIn: async () => undefined,
    signOut: async () => undefined,
    hasRole: (...roles: Role[]) => roles.some((role) => user.roles.includes(role)),
  };
  return <SessionContext.Provider value={value}>{children}</SessionContext.Provider>;
}
