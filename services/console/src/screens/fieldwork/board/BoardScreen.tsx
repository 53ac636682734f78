import { useCallback, useEffect, useRef, useState } from "react";
import { useTranslation } from "react-i18next";
import { Link } from "react-router-dom";

import { api } from "../../../api/client";
import { useSession } from "../../../auth/session";
import { Dialog } from "../../../components/Dialog";
import { ProblemAlert } from "../../../components/ProblemAlert";
import { useLoad } from "../../../hooks/useLoad";
import { BookingForm } from "../shared/BookingForm";
import { addDays, todayIso } from "../shared/format";
import { useDeskLookups } from "../shared/lookups";
import { NS } from "../shared/messages";
import { moveOrder } from "../shared/orderApi";
import type { BoardColumn, BookingIn, OrderCard, Stage } from "../shared/types";
import "../shared/fieldwork.css";
import { BoardCard } from "./BoardCard";
import { BoardFilters } from "./BoardFilters";
import { appendPage, findCard, moveCardLocally, targetsFrom } from "./boardState";
import { boardQuery, NO_FILTERS, type BoardFilterValues } from "./filters";

export const CARDS_PER_COLUMN = 20;

interface Refusal {
  number: string;
  error: unknown;
}

/** The Kanban of service orders (`GET /api/board`): a column per stage with its exact
 * count; a card dragged (or moved with "Move to…") to another column is a request to
 * the server (`POST /service-orders/{id}/move`), which decides: a refusal puts it back. */
export default function BoardScreen() {
  const { t } = useTranslation(NS);
  const { hasRole } = useSession();
  const canAct = hasRole("admin", "operator");
  const lookups = useDeskLookups();
  const [filters, setFilters] = useState<BoardFilterValues>(NO_FILTERS);
  const query = boardQuery(filters);
  const key = JSON.stringify(query);
  const board = useLoad(async () => {
    const { data } = await api.GET("/api/board", { params: { query: { ...query, limit: CARDS_PER_COLUMN } } });
    return data?.columns ?? [];
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [key]);
  const [columns, setColumns] = useState<BoardColumn[]>([]);
  useEffect(() => {
    if (board.data) setColumns(board.data);
  }, [board.data]);

  const [busy, setBusy] = useState<Set<string>>(new Set());
  const [refusal, setRefusal] = useState<Refusal | null>(null);
  const [announcement, setAnnouncement] = useState("");
  const [planning, setPlanning] = useState<{ card: OrderCard; from: Stage } | null>(null);
  const [cancelling, setCancelling] = useState<{ card: OrderCard; from: Stage } | null>(null);
  const [moreError, setMoreError] = useState<unknown>();
  const [loadingMore, setLoadingMore] = useState<Stage | null>(null);
  const dragged = useRef<{ id: string; from: Stage } | null>(null);
  const [dropTarget, setDropTarget] = useState<Stage | null>(null);

  const settle = (id: string) =>
    setBusy((all) => {
      const next = new Set(all);
      next.delete(id);
      return next;
    });

  /** The move sent to the server; the card shown in its new column meanwhile. */
  const send = useCallback(
    async (card: OrderCard, from: Stage, to: Stage, booking?: BookingIn) => {
      let before: BoardColumn[] = [];
      setColumns((current) => {
        before = current;
        return moveCardLocally(current, card.id, to);
      });
      setBusy((all) => new Set(all).add(card.id));
      setRefusal(null);
      try {
        await moveOrder(card.id, from, to, booking);
        setAnnouncement(t("board.moved", { number: card.number, stage: t(`stage.${to}`) }));
        board.reload();
      } catch (error) {
        setColumns(before);
        setRefusal({ number: card.number, error });
        setAnnouncement(t("board.refused", { number: card.number }));
        throw error;
      } finally {
        settle(card.id);
      }
    },
    [board, t],
  );

  const requestMove = (cardId: string, to: Stage) => {
    const found = findCard(columns, cardId);
    if (!found || found.stage === to || !targetsFrom(found.stage).includes(to)) return;
    const { card, stage: from } = found;
    if (to === "planned" && !(card.booked_from && card.technician)) {
      setPlanning({ card, from });
      return;
    }
    if (to === "cancelled") {
      setCancelling({ card, from });
      return;
    }
    void send(card, from, to).catch(() => undefined);
  };

  const loadMore = async (column: BoardColumn) => {
    if (!column.next_cursor) return;
    setLoadingMore(column.stage);
    setMoreError(undefined);
    try {
      const { data } = await api.GET("/api/board", {
        params: { query: { ...query, limit: CARDS_PER_COLUMN, column: column.stage, cursor: column.next_cursor } },
      });
      const page = data?.columns.find((c) => c.stage === column.stage);
      if (page) setColumns((current) => appendPage(current, page));
    } catch (error) {
      setMoreError(error);
    } finally {
      setLoadingMore(null);
    }
  };

  return (
    <section className="fw-board-screen">
      <div className="toolbar fw-title-bar">
        <h1>{t("board.title")}</h1>
        {canAct ? (
          <Link className="button primary" to="/fieldwork/orders/new">
            {t("order.new")}
          </Link>
        ) : null}
      </div>
      <BoardFilters lookups={lookups.data} error={board.error} onApply={setFilters} />
      <p className={announcement && !refusal ? "alert alert-ok" : "visually-hidden"} role="status" aria-live="polite">
        {announcement}
      </p>
      {refusal ? (
        <div className="fw-refusal" data-testid="move-refused">
          <p className="fw-refusal-title">{t("board.refusedTitle", { number: refusal.number })}</p>
          <ProblemAlert error={refusal.error} />
          <button type="button" onClick={() => setRefusal(null)}>
            {t("common:action.close")}
          </button>
        </div>
      ) : null}
      {board.error ? (
        <ProblemAlert
          error={board.error}
          claimedFields={["org_unit_id", "technician_id", "kind_id", "priority", "customer_id", "booked_from", "booked_to", "created_from", "created_to", "q"]}
          onRetry={board.reload}
        />
      ) : null}
      <ProblemAlert error={moreError} />
      {board.loading && columns.length === 0 ? <p className="muted">{t("common:state.loading")}</p> : null}
      {canAct && columns.length > 0 ? <p className="muted fw-small">{t("board.dragHint")}</p> : null}
      <div className="fw-columns" aria-busy={board.loading}>
        {columns.map((column) => {
          const headingId = `fw-column-${column.stage}`;
          return (
            <section
              key={column.stage}
              className={dropTarget === column.stage ? "fw-column fw-drop" : "fw-column"}
              aria-labelledby={headingId}
              data-testid={`column-${column.stage}`}
              onDragOver={(event) => {
                const from = dragged.current?.from;
                if (!canAct || !from || !targetsFrom(from).includes(column.stage)) return;
                event.preventDefault();
                event.dataTransfer.dropEffect = "move";
                setDropTarget(column.stage);
              }}
              onDragLeave={() => setDropTarget((s) => (s === column.stage ? null : s))}
              onDrop={(event) => {
                event.preventDefault();
                setDropTarget(null);
                const id = dragged.current?.id ?? event.dataTransfer.getData("text/plain");
                dragged.current = null;
                if (canAct && id) requestMove(id, column.stage);
              }}
            >
              <h2 id={headingId} className="fw-column-head">
                <span>{t(`stage.${column.stage}`)}</span>
                <span className="badge">
                  <span aria-hidden="true">{column.count}</span>
                  <span className="visually-hidden">{t("board.count", { count: column.count })}</span>
                </span>
              </h2>
              {column.cards.length === 0 ? <p className="muted fw-small">{t("board.emptyColumn")}</p> : null}
              <ul className="fw-card-list">
                {column.cards.map((card) => (
                  <li key={card.id}>
                    <BoardCard
                      card={card}
                      stage={column.stage}
                      canMove={canAct}
                      busy={busy.has(card.id)}
                      onMove={(to) => requestMove(card.id, to)}
                      onDragStart={() => {
                        dragged.current = { id: card.id, from: column.stage };
                      }}
                      onDragEnd={() => {
                        dragged.current = null;
                        setDropTarget(null);
                      }}
                    />
                  </li>
                ))}
              </ul>
              {column.next_cursor ? (
                <button type="button" disabled={loadingMore === column.stage} onClick={() => void loadMore(column)}>
                  {loadingMore === column.stage
                    ? t("common:state.loading")
                    : t("board.more", { shown: column.cards.length, count: column.count })}
                </button>
              ) : null}
            </section>
          );
        })}
      </div>
      {planning ? (
        <Dialog title={t("board.planTitle", { number: planning.card.number })} onClose={() => setPlanning(null)}>
          <p>{t("board.planIntro")}</p>
          <BookingForm
            technicians={lookups.data?.technicians ?? []}
            initial={{
              technician_id: planning.card.technician?.id ?? "",
              date: addDays(todayIso(), 1),
              start: "09:00",
              end: "10:00",
            }}
            fieldPrefix="booking."
            submitLabel={t("board.planSubmit")}
            onCancel={() => setPlanning(null)}
            onSubmit={async (booking) => {
              await send(planning.card, planning.from, "planned", booking).catch((error: unknown) => {
                // The form shows the refusal (its conflicts, with the override); not the board.
                setRefusal(null);
                throw error;
              });
              setPlanning(null);
            }}
          />
        </Dialog>
      ) : null}
      {cancelling ? (
        <Dialog
          title={t("board.cancelTitle", { number: cancelling.card.number })}
          onClose={() => setCancelling(null)}
          footer={
            <>
              <button type="button" onClick={() => setCancelling(null)}>
                {t("board.keep")}
              </button>
              <button
                type="button"
                className="danger"
                onClick={() => {
                  const { card, from } = cancelling;
                  setCancelling(null);
                  void send(card, from, "cancelled").catch(() => undefined);
                }}
              >
                {t("board.cancelConfirm")}
              </button>
            </>
          }
        >
          <p>{t("board.cancelText")}</p>
        </Dialog>
      ) : null}
    </section>
  );
}

