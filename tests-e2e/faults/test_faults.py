"""Nothing lost, stuck or sent twice when processes, the broker or the database go away.

One run of ``aftersales_testing.fault_suite`` with modest numbers (a few hundred messages):
every service process SIGKILLed once, the broker killed and restarted, PostgreSQL crashed
twice (once with a backlog queued) while send requests flow over HTTP and AMQP and
callouts fall due. The table of counts is printed in every case and is the failure
message when a guarantee breaks.
"""

from __future__ import annotations

import pytest

from aftersales_testing import fault_suite
from aftersales_testing.private_infra import PrivateInfrastructure
from aftersales_testing.stack import Stack

pytestmark = pytest.mark.e2e


@pytest.mark.timeout(900)
async def test_nothing_is_lost_stuck_or_sent_twice_through_the_faults(
    stack: Stack, private_infra: PrivateInfrastructure
) -> None:
    report = await fault_suite.run(stack, private_infra, fault_suite.FaultPlan())
    print(report.render())

    # The run did what it says: every fault injected, work accepted on every contract.
    assert len(report.faults) == len(fault_suite.FaultPlan().kill) + 3, report.render()
    assert all(t.accepted > 0 for t in report.tallies), report.render()
    problems = report.problems()
    assert not problems, "\n".join(problems) + "\n\n" + report.render()
