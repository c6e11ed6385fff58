"""Workflows: a trigger, enrolment conditions and ordered actions, each step a Celery task.

definition.py checks a workflow when it is saved (shapes, the copy rule, highly sensitive
properties, loops between workflows); services.py saves it; triggers.py enrols records; engine.py
and actions.py run the steps; tasks.py holds the Celery tasks; views.py the staff UI.
"""
