"""proofread"""
