import { lazy } from "react";
import { Navigate, Route, Routes } from "react-router-dom";

// Field work's screens: the desk's board, planning, map and orders, and the technician's
// phone view.
const Board = lazy(() => import("./board/BoardScreen"));
const Planning = lazy(() => import("./planning/PlanningScreen"));
const DayMap = lazy(() => import("./map/MapScreen"));
const Orders = lazy(() => import("./orders/OrdersScreen"));
const MyDay = lazy(() => import("./technician/MyDayScreen"));

export default function FieldworkScreen() {
  return (
    <Routes>
      <Route path="board/*" element={<Board />} />
      <Route path="planning/*" element={<Planning />} />
      <Route path="map/*" element={<DayMap />} />
      <Route path="orders/*" element={<Orders />} />
      <Route path="my-day/*" element={<MyDay />} />
      <Route path="*" element={<Navigate to="board" replace />} />
    </Routes>
  );
}
