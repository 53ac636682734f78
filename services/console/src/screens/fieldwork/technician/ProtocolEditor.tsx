import { useCallback, useState } from "react";
import { useTranslation } from "react-i18next";

import { ProblemAlert } from "../../../components/ProblemAlert";
import { CheckboxField, TextAreaField } from "../../../components/Field";
import { useLoad } from "../../../hooks/useLoad";
import { NS } from "./messages";
import { PhotoSection } from "./PhotoSection";
import { ItemsForm, WorksForm } from "./ProtocolLinesForms";
import {
  changeProtocol,
  completeProtocol,
  loadProtocol,
  protocolPdfUrl,
  type CompletedProtocol,
  type ProtocolView,
  type Versioned,
} from "./technicianApi";

export type Section = "texts" | "items" | "works";

/** A protocol's texts, lines, photos and completion; read-only once completed (or for a
 * viewer). Each part saves on its own with the protocol's latest version. */
export function ProtocolEditor({
  protocolId,
  canWrite,
  defaultWorkDate,
}: {
  protocolId: string;
  canWrite: boolean;
  defaultWorkDate: string;
}) {
  const { t } = useTranslation(NS);
  const loaded = useLoad(() => loadProtocol(protocolId), [protocolId]);
  const [dirty, setDirty] = useState<ReadonlySet<Section>>(new Set());
  const markDirty = useCallback((section: Section, isDirty: boolean) => {
    setDirty((before) => {
      if (before.has(section) === isDirty) return before;
      const next = new Set(before);
      if (isDirty) next.add(section);
      else next.delete(section);
      return next;
    });
  }, []);
  const [completed, setCompleted] = useState<CompletedProtocol | null>(null);

  if (!loaded.data) {
    return (
      <>
        {loaded.loading ? <p aria-live="polite">{t("common:state.loading")}</p> : null}
        <ProblemAlert error={loaded.error} onRetry={loaded.reload} />
      </>
    );
  }
  const proto = loaded.data;
  const readOnly = !canWrite || proto.value.status === "completed";
  const saved = (next: Versioned<ProtocolView>) => loaded.set(next);

  return (
    <div className="tech-protocol-body">
      <p>
        <span className={proto.value.status === "completed" ? "badge badge-ok" : "badge"} data-testid="protocol-status">
          {t(`protocol.state.${proto.value.status}`)}
        </span>{" "}
        <a href={protocolPdfUrl(protocolId)} target="_blank" rel="noopener" className="tech-pdf">
          {t("protocol.pdf")}
        </a>
      </p>
      {completed ? (
        <p className="alert alert-ok" role="status">
          {completed.will_send_to
            ? t("protocol.completedSent", { name: completed.will_send_to.name })
            : t("protocol.completedNotSent")}
        </p>
      ) : null}

      <TextsForm proto={proto} readOnly={readOnly} onSaved={saved} onDirty={markDirty} />
      <ItemsForm proto={proto} readOnly={readOnly} onSaved={saved} onDirty={markDirty} />
      <WorksForm
        proto={proto}
        readOnly={readOnly}
        onSaved={saved}
        onDirty={markDirty}
        defaultWorkDate={defaultWorkDate}
      />
      <PhotoSection protocol={proto.value} readOnly={readOnly} onChanged={loaded.reload} />

      {readOnly ? null : (
        <CompleteProtocol
          proto={proto}
          unsaved={dirty.size > 0}
          onCompleted={(done) => {
            setCompleted(done.value);
            loaded.set(done);
          }}
        />
      )}
    </div>
  );
}

function TextsForm({
  proto,
  readOnly,
  onSaved,
  onDirty,
}: {
  proto: Versioned<ProtocolView>;
  readOnly: boolean;
  onSaved: (next: Versioned<ProtocolView>) => void;
  onDirty: (section: Section, dirty: boolean) => void;
}) {
  const { t } = useTranslation(NS);
  const [fault, setFault] = useState(proto.value.fault_description);
  const [solution, setSolution] = useState(proto.value.solution_description);
  const [problem, setProblem] = useState(proto.value.problem_reported);
  const [problemText, setProblemText] = useState(proto.value.problem_description ?? "");
  const [showImages, setShowImages] = useState(proto.value.show_images);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>();
  const [savedNote, setSavedNote] = useState("");
  const isDirty =
    fault !== proto.value.fault_description ||
    solution !== proto.value.solution_description ||
    problem !== proto.value.problem_reported ||
    problemText !== (proto.value.problem_description ?? "") ||
    showImages !== proto.value.show_images;

  function edit<V>(set: (v: V) => void, value: V) {
    set(value);
    setSavedNote("");
    onDirty("texts", true);
  }

  async function save() {
    setBusy(true);
    setError(undefined);
    try {
      const next = await changeProtocol(proto.value.id, proto.etag, {
        fault_description: fault,
        solution_description: solution,
        problem_reported: problem,
        // Only while a problem is reported (the server requires it then).
        ...(problem ? { problem_description: problemText } : {}),
        show_images: showImages,
      });
      onSaved(next);
      onDirty("texts", false);
      setSavedNote(t("common:state.saved"));
    } catch (failure) {
      setError(failure);
    } finally {
      setBusy(false);
    }
  }

  return (
    <form
      className="tech-subsection"
      aria-labelledby="tech-texts-title"
      onSubmit={(e) => {
        e.preventDefault();
        void save();
      }}
    >
      <h3 id="tech-texts-title">{t("protocol.texts")}</h3>
      <ProblemAlert
        error={error}
        claimedFields={["fault_description", "solution_description", "problem_reported", "problem_description", "show_images"]}
      />
      <TextAreaField
        label={t("protocol.fault")}
        name="fault_description"
        error={error}
        value={fault}
        rows={3}
        readOnly={readOnly}
        onChange={(e) => edit(setFault, e.target.value)}
      />
      <TextAreaField
        label={t("protocol.solution")}
        name="solution_description"
        error={error}
        value={solution}
        rows={3}
        readOnly={readOnly}
        onChange={(e) => edit(setSolution, e.target.value)}
      />
      <CheckboxField
        label={t("protocol.problemReported")}
        name="problem_reported"
        error={error}
        checked={problem}
        disabled={readOnly}
        onChange={(e) => edit(setProblem, e.target.checked)}
      />
      {problem ? (
        <TextAreaField
          label={t("protocol.problemDescription")}
          name="problem_description"
          error={error}
          value={problemText}
          rows={2}
          maxLength={1000}
          readOnly={readOnly}
          onChange={(e) => edit(setProblemText, e.target.value)}
        />
      ) : null}
      <CheckboxField
        label={t("protocol.showImages")}
        name="show_images"
        error={error}
        checked={showImages}
        disabled={readOnly}
        onChange={(e) => edit(setShowImages, e.target.checked)}
      />
      {readOnly ? null : (
        <div className="tech-row-actions">
          <button type="submit" className="primary tech-big" disabled={busy || !isDirty}>
            {t("protocol.saveTexts")}
          </button>
          <span aria-live="polite" className="muted">
            {savedNote}
          </span>
        </div>
      )}
    </form>
  );
}

function CompleteProtocol({
  proto,
  unsaved,
  onCompleted,
}: {
  proto: Versioned<ProtocolView>;
  unsaved: boolean;
  onCompleted: (done: Versioned<CompletedProtocol>) => void;
}) {
  const { t } = useTranslation(NS);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>();
  async function complete() {
    setBusy(true);
    setError(undefined);
    try {
      onCompleted(await completeProtocol(proto.value.id, proto.etag));
    } catch (failure) {
      setError(failure);
    } finally {
      setBusy(false);
    }
  }
  const hintId = "tech-complete-hint";
  return (
    <div className="tech-subsection">
      <h3>{t("protocol.completeTitle")}</h3>
      <ProblemAlert error={error} />
      <p id={hintId} className="muted">
        {unsaved ? t("protocol.unsaved") : proto.value.works.length === 0 ? t("protocol.needsWork") : t("protocol.completeHint")}
      </p>
      <button
        type="button"
        className="primary tech-big"
        aria-describedby={hintId}
        disabled={busy || unsaved}
        onClick={() => void complete()}
      >
        {t("protocol.complete")}
      </button>
    </div>
  );
}
