import { useTranslation } from "react-i18next";

import { NS } from "./messages";
import { ERROR_STATES } from "./rules";
import type { CalloutState } from "./types";

/** The badge class of a state: sent/completed fine, errors danger, pending warn. */
export function stateTone(state: CalloutState): string {
  if (ERROR_STATES.has(state)) return "badge badge-danger";
  if (state === "sent" || state === "completed") return "badge badge-ok";
  if (state === "awaiting_approval") return "badge badge-warn";
  return "badge";
}

export function StateBadge({ state }: { state: CalloutState }) {
  const { t } = useTranslation(NS);
  return (
    <span className={stateTone(state)} data-state={state}>
      {t(`state.${state}`)}
    </span>
  );
}
