"""The decision catalogue (重大行政决策事项目录, Decree 713 Art. 3(3)): the fourth register."""
