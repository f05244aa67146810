"""The staff's side of the course: what instructors and TAs run, never what students import.

Imports run one way, from the command line down; nothing here imports back up, and the student modules of ``helpers``
import nothing from here (a test checks both):

    cli            python -m helpers.course ...
    batch          a TA's batch: check the folders, autograde (sequential or parallel), report
    parallel       N nbgrader processes, or a Dask cluster; one transaction per submission
    report export  the grading report; percentages for the LMS
    pipeline       each nbgrader step (course folder, release, autograde, grades)
    plugins feedback   the nbgrader plug-ins that nbgrader_config.py installs
    integrity      runs inside the grading kernel (imports nothing of the course)
    config         the course folder, its nbgrader config and schedule
"""
