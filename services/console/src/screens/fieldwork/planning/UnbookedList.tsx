import { useTranslation } from "react-i18next";
import { Link } from "react-router-dom";

import { PRIORITY_BADGE } from "../board/BoardCard";
import { NS } from "../shared/messages";
import type { OrderCard } from "../shared/types";

/** The orders waiting for a booking, most urgent and oldest first: dragged onto a
 * technician's time, or booked with the form ("Book…"). */
export function UnbookedList({
  items,
  count,
  hasMore,
  loadingMore,
  canPlan,
  onMore,
  onBook,
  onDragOrder,
  onDragEnd,
}: {
  items: readonly OrderCard[];
  count: number;
  hasMore: boolean;
  loadingMore: boolean;
  canPlan: boolean;
  onMore: () => void;
  onBook: (card: OrderCard) => void;
  onDragOrder: (card: OrderCard) => void;
  onDragEnd: () => void;
}) {
  const { t } = useTranslation(NS);
  return (
    <section className="panel fw-unbooked" aria-labelledby="fw-unbooked">
      <h2 id="fw-unbooked">
        {t("planning.unbooked")} <span className="badge">{count}</span>
      </h2>
      {items.length === 0 ? <p className="muted">{t("planning.noUnbooked")}</p> : null}
      {canPlan && items.length > 0 ? <p className="muted fw-small">{t("planning.dragHint")}</p> : null}
      <ul className="fw-card-list">
        {items.map((card) => (
          <li key={card.id}>
            <article
              className="fw-card"
              data-testid={`unbooked-${card.number}`}
              aria-label={t("board.cardLabel", { number: card.number })}
              draggable={canPlan}
              onDragStart={(event) => {
                event.dataTransfer.setData("text/plain", card.id);
                event.dataTransfer.effectAllowed = "move";
                onDragOrder(card);
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
              <p className="muted fw-small">{card.technician?.name ?? t("order.unassigned")}</p>
              {canPlan ? (
                <button type="button" onClick={() => onBook(card)} aria-label={t("planning.bookLabel", { number: card.number })}>
                  {t("planning.book")}
                </button>
              ) : null}
            </article>
          </li>
        ))}
      </ul>
      {hasMore ? (
        <button type="button" disabled={loadingMore} onClick={onMore}>
          {loadingMore ? t("common:state.loading") : t("common:paging.loadMore")}
        </button>
      ) : null}
    </section>
  );
}
