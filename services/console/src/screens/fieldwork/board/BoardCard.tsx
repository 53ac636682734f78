import { useState, type DragEvent } from "react";
import { useTranslation } from "react-i18next";
import { Link } from "react-router-dom";

import { formatDateTime } from "../shared/format";
import { NS } from "../shared/messages";
import type { OrderCard, Stage } from "../shared/types";
import { targetsFrom } from "./boardState";

export const PRIORITY_BADGE: Record<string, string> = {
  urgent: "badge badge-danger",
  high: "badge badge-warn",
  normal: "badge",
  low: "badge",
};

/** One order on the board: number (opens the order), customer, priority, technician,
 * booking. Those who may move it drag it, or use "Move to…" from the keyboard. */
export function BoardCard({
  card,
  stage,
  canMove,
  busy,
  onMove,
  onDragStart,
  onDragEnd,
}: {
  card: OrderCard;
  stage: Stage;
  canMove: boolean;
  busy: boolean;
  onMove: (to: Stage) => void;
  onDragStart: () => void;
  onDragEnd: () => void;
}) {
  const { t, i18n } = useTranslation(NS);
  const [menu, setMenu] = useState(false);
  const targets = canMove ? targetsFrom(stage) : [];
  const draggable = canMove && targets.length > 0 && !busy;
  return (
    <article
      className={busy ? "fw-card fw-card-busy" : "fw-card"}
      data-testid={`card-${card.number}`}
      aria-label={t("board.cardLabel", { number: card.number })}
      aria-busy={busy || undefined}
      draggable={draggable}
      onDragStart={(event: DragEvent) => {
        event.dataTransfer.setData("text/plain", card.id);
        event.dataTransfer.effectAllowed = "move";
        onDragStart();
      }}
      onDragEnd={onDragEnd}
    >
      <header className="fw-card-head">
        <Link to={`/fieldwork/orders/${card.id}`} className="fw-card-number">
          {card.number}
        </Link>
        <span className={PRIORITY_BADGE[card.priority] ?? "badge"}>{t(`priority.${card.priority}`)}</span>
      </header>
      <p className="fw-card-customer">{card.customer?.name ?? t("order.noCustomer")}</p>
      {card.kind ? <p className="muted fw-small">{card.kind.name}</p> : null}
      <dl className="fw-card-facts">
        <dt>{t("order.technician")}</dt>
        <dd>{card.technician?.name ?? t("order.unassigned")}</dd>
        <dt>{t("order.booking")}</dt>
        <dd>{card.booked_from ? formatDateTime(card.booked_from, i18n.language) : t("order.notBooked")}</dd>
        {card.status ? (
          <>
            <dt>{t("order.status")}</dt>
            <dd>{t(`status.${card.status}`)}</dd>
          </>
        ) : null}
      </dl>
      {targets.length > 0 ? (
        <div className="fw-move">
          <button
            type="button"
            aria-expanded={menu}
            disabled={busy}
            onClick={() => setMenu((open) => !open)}
          >
            {t("board.moveTo")}
            <span className="visually-hidden"> {card.number}</span>
          </button>
          {menu ? (
            <ul className="fw-move-menu">
              {targets.map((to) => (
                <li key={to}>
                  <button
                    type="button"
                    onClick={() => {
                      setMenu(false);
                      onMove(to);
                    }}
                  >
                    {t(`stage.${to}`)}
                  </button>
                </li>
              ))}
            </ul>
          ) : null}
        </div>
      ) : null}
    </article>
  );
}
